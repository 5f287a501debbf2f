import * as z from "zod";
import { baseConfig } from "../../shared/config/mod.ts";
import { retiredKeysVariable, signingKeyVariable } from "./keys.ts";
import { defaultIterations } from "./password.ts";

export const usersConfig = baseConfig.extend({
  /** The private key access tokens are signed with: an Ed25519 JWK with its kid (keys.ts). */
  TOKEN_SIGNING_KEY: signingKeyVariable,
  /** Former keys' public parts, each published until its `until`: the rotation's overlap. */
  TOKEN_RETIRED_KEYS: retiredKeysVariable,
  /** A token's `iss`: who issued it; the gateway checks it (its own TOKEN_ISSUER). */
  TOKEN_ISSUER: z.string().min(1).max(256).default("users"),
  /** A token's `aud`: who may accept it; the gateway checks it (its own TOKEN_AUDIENCE). */
  TOKEN_AUDIENCE: z.string().min(1).max(256).default("gateway"),
  JWT_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  /** Accounts whose tokens carry the admin role (the gateway's /admin routes), comma-separated. */
  ADMIN_EMAILS: z.string().default("").transform((list) =>
    new Set(list.split(",").map((email) => email.trim().toLowerCase()).filter(Boolean))
  ),
  PASSWORD_ITERATIONS: z.coerce.number().int().min(10_000).default(defaultIterations),
  /** Password hashes computed at once (each holds a core for ~85 ms at 600,000 rounds). */
  PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Hashes waiting for a turn at most; past it, or past a caller's deadline, 503 at once. */
  PASSWORD_HASH_QUEUE: z.coerce.number().int().min(0).max(10_000).default(32),
});
export type UsersConfig = z.infer<typeof usersConfig>;
