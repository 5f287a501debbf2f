/** What the users service serves and what it publishes. */
import * as z from "zod";
import { defineRpcService } from "./rpc.ts";
import { defineEvent, type StreamDefinition } from "./envelope.ts";
import { text, timestamp, uuid } from "./fields.ts";
import {
  maxEmailLength,
  maxKeyIdLength,
  maxNameLength,
  maxPasswordLength,
  maxPublishedKeys,
  minPasswordLength,
} from "./limits.ts";

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

/** A signing key's id (`kid`): 1 to 64 of `[A-Za-z0-9._-]` (`maxKeyIdLength`). */
export const keyId = z.string().min(1).max(maxKeyIdLength)
  .regex(/^[\w.-]+$/, "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'");

/** 32 bytes in unpadded base64url (RFC 7515 §2): an Ed25519 key's `x` or `d`, 43 characters. */
export const ed25519Bytes = z.string().max(43)
  .regex(/^[A-Za-z0-9_-]{43}$/, "must be 32 bytes in unpadded base64url (43 characters)");

/**
 * A public key access tokens are verified with: an Ed25519 JWK (RFC 8037) for EdDSA signatures,
 * named by its `kid`. `until` (not a JWK member of the RFC; ours) is set on a retired key: the
 * time after which it verifies nothing, whatever a token signed with it says.
 */
export const publicJwk = z.object({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: ed25519Bytes,
  kid: keyId,
  alg: z.literal("EdDSA"),
  use: z.literal("sig"),
  until: timestamp.optional(),
});
/** A public key as `publicJwk` describes it. */
export type PublicJwk = z.infer<typeof publicJwk>;

/**
 * A JSON Web Key Set (RFC 7517 §5): the signing key's public part and each retired key still
 * inside its overlap, at most `maxPublishedKeys`.
 */
export const jwks = z.object({ keys: z.array(publicJwk).min(1).max(maxPublishedKeys) });
/** A key set as `jwks` describes it. */
export type Jwks = z.infer<typeof jwks>;

/**
 * The users service's endpoints: `register` (not idempotent: the same email twice is `conflict`),
 * `login` (an EdDSA JWT and when it expires), `getProfile`, and `publicKeys` (the key set the
 * gateway verifies tokens with).
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
  publicKeys: {
    request: z.object({}),
    reply: jwks,
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
