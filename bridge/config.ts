/**
 * The bridge's configuration, from its environment. BRIDGE_SERVICES names the services it
 * carries and where each one answers: `orders=http://127.0.0.1:8103,payments=https://…`.
 */
import { z } from "zod";
import { baseConfig } from "../shared/config/mod.ts";

/** A service the bridge carries: its name (in the registry) and the base URL it answers on. */
export interface CarriedAddress {
  name: string;
  /** Its origin and optional path prefix, without a trailing slash. */
  baseUrl: string;
}

const serviceName = /^[a-z][a-z0-9-]*$/;

/**
 * BRIDGE_SERVICES parsed: `name=url` pairs, comma-separated, each name once, each URL http(s)
 * without query or fragment. Each message names the entry at fault.
 */
export const carriedServices = z.string().transform((text, ctx): CarriedAddress[] => {
  const entries = text.split(",").map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) {
    ctx.addIssue({ code: "custom", message: "names no service (name=url, comma-separated)" });
    return z.NEVER;
  }
  const carried: CarriedAddress[] = [];
  for (const entry of entries) {
    const at = entry.indexOf("=");
    const name = entry.slice(0, Math.max(at, 0)).trim();
    const url = entry.slice(at + 1).trim();
    const problem = at < 1
      ? `"${entry}" is not name=url`
      : !serviceName.test(name)
      ? `"${name}" is not a service name`
      : carried.some((c) => c.name === name)
      ? `names ${name} twice`
      : urlProblem(url);
    if (problem) {
      ctx.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }
    carried.push({ name, baseUrl: url.replace(/\/+$/, "") });
  }
  return carried;
});

function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return `${parsed.protocol}// is not http:// or https://`;
  }
  if (parsed.search || parsed.hash || parsed.username || parsed.password) {
    return `the URL of a service takes no query, fragment or credentials`;
  }
  return undefined;
}

const milliseconds = (min: number) =>
  z.coerce.number().int("must be a whole number of milliseconds").min(
    min,
    `must be at least ${min}`,
  );

/** The bridge's variables: NATS as a service's, plus its own. */
export const bridgeConfig = baseConfig.pick({
  NATS_URL: true,
  NATS_NKEY_SEED: true,
  NATS_CA_FILE: true,
  JETSTREAM_REPLICAS: true,
  LOG_LEVEL: true,
  HTTP_PORT: true,
  HTTP_HOST: true,
  STOP_TIMEOUT_MS: true,
}).extend({
  /** The services carried and their base URLs (see `carriedServices`). */
  BRIDGE_SERVICES: carriedServices,
  /** The Ed25519 private key every request is signed with: PKCS#8 PEM or JWK. */
  BRIDGE_SIGNING_KEY: z.string().min(1, "is empty"),
  /** How often each carried service is sent its tick, in ms; 0: never. */
  BRIDGE_TICK_MS: milliseconds(0).default(10_000),
  /**
   * How long a message's delivery (HTTP request) may take before it counts as failed and is
   * retried, in ms; an RPC request waits at most this long too, or less when its caller's
   * deadline comes first. Under the durables' 10 s ack wait, so the server does not redeliver a
   * message while its delivery still runs.
   */
  BRIDGE_TIMEOUT_MS: milliseconds(100).max(9_000, "must stay under the durables' 10 s ack wait")
    .default(8_000),
  /** Messages of one durable delivered at once (different ordering keys side by side). */
  BRIDGE_CONCURRENCY: z.coerce.number().int("must be a whole number").min(1, "must be at least 1")
    .max(256, "must be at most 256").default(8),
});

/** The bridge's configuration as `bridgeConfig` parses it. */
export type BridgeConfig = z.infer<typeof bridgeConfig>;
