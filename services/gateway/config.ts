import * as z from "zod";
import { baseConfig } from "../../shared/config/mod.ts";

/**
 * The largest request body the gateway reads, in bytes: 64 KiB. The largest valid body of any
 * route, every string and array of its contract at its bound, is well under it (a test computes
 * it from the OpenAPI document: a full order, 100 lines, is about 6 KiB); anything larger is
 * refused with 413 before it is read.
 */
export const defaultBodyLimitBytes = 64 * 1024;

export const gatewayConfig = baseConfig.extend({
  /**
   * The operator's NATS identity (an NKey user seed, `SU…`), which the admin routes act with:
   * the gateway's own may not replay, read streams or handle dead letters. Without it the admin
   * routes use the gateway's connection (a server without authorization).
   */
  OPERATOR_NKEY_SEED: z.string().regex(/^SU[A-Z2-7]{56}$/, "must be an NKey user seed (SU…)")
    .optional(),
  /** The `iss` an access token must carry: the users service's TOKEN_ISSUER. */
  TOKEN_ISSUER: z.string().min(1).max(256).default("users"),
  /** The `aud` an access token must carry: the users service's TOKEN_AUDIENCE. */
  TOKEN_AUDIENCE: z.string().min(1).max(256).default("gateway"),
  /**
   * How often the users service's public keys are asked for again, in ms; also sooner when a
   * token names a key not yet known (token_keys.ts).
   */
  TOKEN_KEYS_REFRESH_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /**
   * The largest request body read, in bytes; a larger one is 413 before it is read. At most
   * 1 MiB: a request goes downstream as one NATS message, and NATS' max_payload is 1 MiB.
   */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024)
    .default(defaultBodyLimitBytes),
  /** The whole time a request may take, every downstream hop included. */
  REQUEST_BUDGET_MS: z.coerce.number().int().positive().default(5000),
  /** The longest a single downstream call may take within that budget. */
  RPC_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  /** Tries of an idempotent call, the first included. */
  RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** Failures in a row that open a downstream service's breaker. */
  BREAKER_FAILURE_THRESHOLD: z.coerce.number().int().min(1).default(5),
  /** How long an open breaker fails calls fast before it lets one trial through. */
  BREAKER_COOL_DOWN_MS: z.coerce.number().int().positive().default(5000),
  /** Requests a user (or an anonymous address) may send at once. */
  RATE_LIMIT_BURST: z.coerce.number().int().positive().default(100),
  /** How fast that allowance comes back, per second. */
  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  /**
   * Logins and registrations an address may send at once, on top of the limit above: each
   * checks a password, ~85 ms of the users service's CPU (rate_limit.ts, addressRateLimit).
   */
  AUTH_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(10),
  /** How fast that allowance comes back, per second: one every 5 s by default. */
  AUTH_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(0.2),
});
export type GatewayConfig = z.infer<typeof gatewayConfig>;
