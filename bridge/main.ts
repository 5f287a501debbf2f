/**
 * The bridge's entry: `deno run --allow-net --allow-env bridge/main.ts`. Reads its configuration
 * (config.ts), signs in to NATS as `bridge`, carries the services of BRIDGE_SERVICES as their
 * declarations (services/registry.ts) and handlers say, and serves /health, /ready and /metrics
 * on HTTP_PORT when set. On SIGTERM or SIGINT it stops in order (no new work, the requests and
 * messages in hand answered and settled, NATS drained), or exits after STOP_TIMEOUT_MS anyway.
 */
import { importBridgeSigningKey } from "../shared/bridge/mod.ts";
import { connectNats, pinStreamReplicas } from "../shared/bus/mod.ts";
import { loadConfig, redactUrl } from "../shared/config/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { serviceHandlers } from "../infra/service_handlers.ts";
import { registry } from "../services/registry.ts";
import { startBridge } from "./bridge.ts";
import { carriedFrom } from "./carried.ts";
import { bridgeConfig } from "./config.ts";

/** The bridge's name: its NATS identity, its logs' `service`. */
const name = "bridge";

const config = loadConfig(name, bridgeConfig);
const log = createLogger({ service: name, level: config.LOG_LEVEL });

let services, signingKey;
try {
  services = carriedFrom(config.BRIDGE_SERVICES, registry, serviceHandlers);
  signingKey = await importBridgeSigningKey(config.BRIDGE_SIGNING_KEY);
} catch (error) {
  // A ConfigError (the key) or an Error naming the service that cannot be carried.
  if (!(error instanceof Error)) throw error;
  console.error(`${name}: config: ${error.message}`);
  Deno.exit(1);
}

try {
  const nc = await connectNats(config.NATS_URL, name, config.NATS_NKEY_SEED, {
    caFile: config.NATS_CA_FILE,
  });
  if (config.JETSTREAM_REPLICAS) pinStreamReplicas(nc, config.JETSTREAM_REPLICAS);
  const bridge = await startBridge({
    nc,
    services,
    signingKey,
    log,
    timeoutMs: config.BRIDGE_TIMEOUT_MS,
    concurrency: config.BRIDGE_CONCURRENCY,
    tickMs: config.BRIDGE_TICK_MS,
  });
  let draining = false;
  const server = config.HTTP_PORT === undefined ? null : Deno.serve(
    {
      port: config.HTTP_PORT,
      hostname: config.HTTP_HOST,
      onListen: ({ hostname, port }) => log.info("serving HTTP", { hostname, port }),
    },
    (request) =>
      draining && new URL(request.url).pathname === "/ready"
        ? Response.json({ status: "draining" }, { status: 503 })
        : bridge.fetch(request),
  );
  log.info("started", { nats: redactUrl(config.NATS_URL) });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    draining = true;
    log.info("stopping");
    const timer = setTimeout(() => {
      log.error("did not stop in time; exiting", { timeoutMs: config.STOP_TIMEOUT_MS });
      Deno.exit(1);
    }, config.STOP_TIMEOUT_MS);
    try {
      await bridge.stop();
      await nc.drain();
      await server?.shutdown();
    } catch (error) {
      log.error("stop failed", { error });
    }
    clearTimeout(timer);
    log.info("stopped");
    Deno.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(signal, stop);
} catch (error) {
  log.error("could not start", { error });
  Deno.exit(1);
}
