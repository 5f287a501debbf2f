/** What the users service serves and what it publishes. */
import { z } from "zod";
import { defineRpcService } from "./rpc.ts";
import { defineEvent, type StreamDefinition } from "./envelope.ts";

export const email = z.email().max(254);
export const password = z.string().min(8).max(256);

export const profile = z.object({
  userId: z.uuid(),
  email,
  name: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
});
export type Profile = z.infer<typeof profile>;

export const usersApi = defineRpcService("users", {
  register: {
    request: z.object({ email, password, name: z.string().trim().min(1).max(200) }),
    reply: z.object({ userId: z.uuid() }),
    idempotent: false,
  },
  login: {
    request: z.object({ email, password: z.string().min(1).max(256) }),
    reply: z.object({ token: z.string(), expiresAt: z.iso.datetime({ offset: true }) }),
    idempotent: true,
  },
  getProfile: {
    request: z.object({ userId: z.uuid() }),
    reply: profile,
    idempotent: true,
  },
});

export const userRegistered = defineEvent(
  "users.user.registered",
  1,
  z.object({ userId: z.uuid(), email, name: z.string() }),
);

export const usersStream: StreamDefinition = { name: "USERS", subjects: ["users.>"] };
