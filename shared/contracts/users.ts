/** What the users service serves and what it publishes. */
import { z } from "zod";
import { defineRpcService } from "./rpc.ts";
import { defineEvent, type StreamDefinition } from "./envelope.ts";
import { text, timestamp, uuid } from "./fields.ts";
import { maxEmailLength, maxNameLength, maxPasswordLength, minPasswordLength } from "./limits.ts";

/** An email address (zod's check), up to `maxEmailLength` characters. */
export const email = z.email().max(maxEmailLength);
/** A new password: hashed as UTF-8, which a lone surrogate would silently change. */
export const password = text(maxPasswordLength, { min: minPasswordLength });
/** A person's name as shown: trimmed, 1 to 200 characters. */
export const personName = text(maxNameLength, { min: 1, trim: true });

/** An account as others see it; never its password hash. */
export const profile = z.object({
  userId: uuid,
  email,
  name: text(maxNameLength),
  createdAt: timestamp,
});
/** An account as `profile` describes it. */
export type Profile = z.infer<typeof profile>;

/**
 * The users service's endpoints: `register` (not idempotent: the same email twice is `conflict`),
 * `login` (a JWT and when it expires) and `getProfile`.
 */
export const usersApi = defineRpcService("users", {
  register: {
    request: z.object({ email, password, name: personName }),
    reply: z.object({ userId: uuid }),
    idempotent: false,
  },
  login: {
    // Any password an account may have been given, checked only against its hash: never stored.
    request: z.object({ email, password: z.string().min(1).max(maxPasswordLength) }),
    reply: z.object({ token: z.string().max(4096), expiresAt: timestamp }),
    idempotent: true,
  },
  getProfile: {
    request: z.object({ userId: uuid }),
    reply: profile,
    idempotent: true,
  },
});

/** `users.user.registered` v1: an account was made (payments opens its wallet). */
export const userRegistered = defineEvent(
  "users.user.registered",
  1,
  z.object({ userId: uuid, email, name: text(maxNameLength) }),
  { orderingKey: (data) => `user:${data.userId}` },
);

/** The users service's stream, `USERS`, on `users.>`. */
export const usersStream: StreamDefinition = { name: "USERS", subjects: ["users.>"] };
