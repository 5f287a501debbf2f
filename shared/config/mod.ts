/**
 * Typed configuration from the environment. A bad or missing variable stops start-up with one
 * line that names it, instead of a stack trace or a late failure deep in a handler.
 */
import * as z from "zod";
import { retentionVariables } from "./retention.ts";

/**
 * A configuration that cannot work: a variable missing or malformed. Its message names the
 * variable; the entry prints it on one line and exits.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** `LOG_LEVEL`: `debug`, `info`, `warn` or `error`. */
export const logLevel = z.enum(["debug", "info", "warn", "error"]);

/**
 * A NATS URL, `nats://` or `tls://` over TCP, `ws://` or `wss://` over WebSocket; or a
 * comma-separated list of them, the servers of one cluster (`nats://a:4222,nats://b:4222`), all
 * over TCP or all over WebSocket. A client connects to one and fails over to the others.
 */
export const natsUrl = z.string()
  .regex(
    /^(nats|tls|ws|wss):\/\/[^\s,]+(\s*,\s*(nats|tls|ws|wss):\/\/[^\s,]+)*$/,
    "must be a nats://, tls://, ws:// or wss:// URL, or a comma-separated list of them",
  )
  .refine(
    (value) => new Set(natsServers(value).map((url) => /^wss?:/.test(url))).size === 1,
    "must list servers all over TCP (nats://, tls://) or all over WebSocket (ws://, wss://)",
  );

/** The servers a NATS_URL names: one, or each of a comma-separated list, trimmed. */
export function natsServers(url: string): string[] {
  return url.split(",").map((server) => server.trim()).filter((server) => server !== "");
}

/** A Postgres URL, `postgres://` or `postgresql://`. */
export const postgresUrl = z.string().regex(
  /^postgres(ql)?:\/\/[^\s]+$/,
  "must be a postgres:// URL",
);

/**
 * `text` with the credentials of every URL in it masked, for logs and messages: the user info
 * (`nats://user:password@host`, `nats://token@host`, `postgres://role:secret@host`) becomes
 * `***`, and so do the values of `password`, `pass`, `token` and `secret` query parameters
 * (postgres.js and libpq read `?password=`). The rest stays as given, so a reader still sees
 * which server is meant. Takes one URL, a comma-separated list (NATS accepts one) or any line.
 */
export function redactUrl(text: string): string {
  return text
    // The last `@` before the path ends the user info: a password may hold an unescaped `@`.
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/?#,]*@/gi, "$1***@")
    .replace(/([?&](?:password|pass|token|secret)=)[^&#\s,]*/gi, "$1***");
}

/** Variables every service reads. Extend it with the service's own. */
export const baseConfig = z.object({
  NATS_URL: natsUrl.default("nats://127.0.0.1:4222"),
  /**
   * The service's own NATS identity: an NKey user seed (`SU…`), as `deno task dev` or
   * `deno task credentials` makes it. Optional, so a server without authorization still works.
   */
  NATS_NKEY_SEED: z.string().regex(/^SU[A-Z2-7]{56}$/, "must be an NKey user seed (SU…)")
    .optional(),
  /**
   * A PEM file of the CA(s) that signed NATS's certificate, for a `tls://` NATS_URL whose CA the
   * system does not trust. Not for `wss://` (refused at connect): a WebSocket trusts the
   * runtime's CAs, under Deno `DENO_CERT=<ca.pem>` or `--cert`.
   */
  NATS_CA_FILE: z.string().min(1).optional(),
  /**
   * Copies of each JetStream stream (1 to 5). Unset: 3 when NATS announces a cluster of three or
   * more servers, else 1 (shared/bus/replicas.ts). Durable consumers follow their stream.
   */
  JETSTREAM_REPLICAS: z.coerce.number().int("must be a whole number").min(1, "must be 1 to 5")
    .max(5, "must be 1 to 5").optional(),
  LOG_LEVEL: logLevel.default("info"),
  DATA_DIR: z.string().min(1).default(".data"),
  DATABASE_URL: postgresUrl.optional(),
  /**
   * Where the service migrates from, as its schema's owner role (`<service>_owner` in
   * infra/postgres/init.sql), over one connection closed before DATABASE_URL's pool opens; then
   * DATABASE_URL's role may create nothing. Unset, DATABASE_URL migrates too.
   */
  MIGRATION_DATABASE_URL: postgresUrl.optional(),
  /**
   * The most connections the service's pool on DATABASE_URL opens (10). Every instance of every
   * service opens up to this many: their sum must stay under Postgres's `max_connections` (100 by
   * default), as docs/production.md counts.
   */
  DATABASE_POOL_SIZE: z.coerce.number().int("must be a whole number").min(1, "must be 1 or more")
    .max(1000, "must be at most 1000").default(10),
  /**
   * `true` (default): the service applies its migrations on start, instances taking turns under
   * an advisory lock. `false`: the deployment migrates ahead (`deno task migrate <service>`), and a
   * start only checks the history's newest entry, refusing to run on a database that is behind.
   */
  MIGRATE_ON_START: z.enum(["true", "false"], "must be true or false").default("true")
    .transform((value) => value === "true"),
  /**
   * When set, the service serves HTTP itself on this port and drains it on SIGTERM; without
   * it the entry only exports `{ fetch }`, for `deno serve` or an edge runtime.
   */
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** The address HTTP_PORT listens on: loopback unless told, `0.0.0.0` in a container. */
  HTTP_HOST: z.string().min(1).default("127.0.0.1"),
  /** How long a stopping service may take to finish what it started before it exits anyway. */
  STOP_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /**
   * After SIGTERM, how long the service still serves with `/ready` answering 503 before it stops
   * taking requests: a load balancer polling readiness (Kubernetes: its readiness probe's period
   * times its failure threshold) takes it out first, so no request meets a closed port. 0: none.
   */
  DRAIN_DELAY_MS: z.coerce.number().int("must be a whole number").min(0, "must be 0 or more")
    .default(0),
  /**
   * Transactions each event consumer runs at once (its lanes). One suits a two-core machine that
   * runs every service: more lanes make smaller batches, so more transactions for the same events.
   */
  EVENT_LANES: z.coerce.number().int("must be a whole number").min(1, "must be at least 1")
    .max(64, "must be at most 64").default(1),
  /** The outbox's and inbox's retention, and their purge (shared/config/retention.ts). */
  ...retentionVariables,
});

/** Variables a `<SERVICE>_` prefixed one overrides, for that service only. */
const perServiceVariables = ["DATABASE_URL", "MIGRATION_DATABASE_URL"];

/**
 * Parses `env` with `schema`. `<SERVICE>_DATABASE_URL` wins over `DATABASE_URL` (and
 * `<SERVICE>_MIGRATION_DATABASE_URL` over `MIGRATION_DATABASE_URL`), so one environment can hold
 * a URL per service (each with its own role) or one for all.
 */
export function parseConfig<T extends z.ZodType>(
  service: string,
  schema: T,
  env: Record<string, string | undefined>,
): z.infer<T> {
  const own = (variable: string) => `${service.toUpperCase()}_${variable}`;
  const merged = { ...env };
  for (const variable of perServiceVariables) {
    if (env[own(variable)] !== undefined) merged[variable] = env[own(variable)];
  }
  const result = schema.safeParse(merged);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  let name = issue.path.join(".") || "environment";
  if (perServiceVariables.includes(name) && env[own(name)] !== undefined) name = own(name);
  const problem = issue.code === "invalid_type" && merged[name] === undefined
    ? "is required"
    : issue.message;
  throw new ConfigError(`config: ${name} ${problem}`);
}

/** For a service's entry: parse the process environment or exit with the one line. */
export function loadConfig<T extends z.ZodType>(service: string, schema: T): z.infer<T> {
  try {
    return parseConfig(service, schema, Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${service}: ${error.message}`);
    Deno.exit(1);
  }
}

export { retentionConfig, type RetentionSettings, retentionVariables } from "./retention.ts";
