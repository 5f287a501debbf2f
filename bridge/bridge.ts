/**
 * The bridge: for each carried service, its RPC subjects forwarded (rpc_forwarding.ts), its
 * durables consumed and delivered (event_forwarding.ts), its tick (tick.ts), all as signed HTTP
 * requests to the service's base URL; and its own HTTP face: /health, /ready (NATS answers and
 * every durable can fetch), /metrics.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { Hono } from "hono";
import { natsAnswers } from "../shared/bus/mod.ts";
import { probeRoutes, type ReadinessCheck } from "../shared/health/mod.ts";
import type { Logger } from "../shared/log/mod.ts";
import type { CarriedService } from "./carried.ts";
import { type EventForwarding, forwardEvents } from "./event_forwarding.ts";
import { forwardRpc, type RpcForwarding } from "./rpc_forwarding.ts";
import { type ServiceClient, serviceClient } from "./service_client.ts";
import { startTicking } from "./tick.ts";

/** What the bridge carries and how. */
export interface BridgeOptions {
  /** Its connection, signed in as the bridge's own identity. */
  nc: NatsConnection;
  services: readonly CarriedService[];
  /** The Ed25519 private key every request is signed with. */
  signingKey: CryptoKey;
  log: Logger;
  /** How long one delivery may take, in ms (an RPC request: less when its budget is). */
  timeoutMs: number;
  /** Deliveries at once per durable. */
  concurrency: number;
  /** Between two ticks of a service, in ms; 0: no tick. */
  tickMs: number;
  /** Tests only: other figures than the kit's for giving up and backing off. */
  delivery?: { maxDeliver?: number; backoffMs?: readonly number[] };
  /** Tests only: what sends the HTTP requests. */
  fetch?: typeof fetch;
}

/** A running bridge. */
export interface RunningBridge {
  /** /health, /ready and /metrics. */
  fetch: Hono["fetch"];
  /**
   * Stops in order: no more ticks, no new RPC requests (those taken are answered), no more
   * fetching (the messages in hand are delivered and settled). The connection is the caller's.
   */
  stop(): Promise<void>;
}

/**
 * Starts carrying `options.services`. Throws what NATS answered when a durable cannot be made;
 * what was started by then is stopped first.
 */
export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  const { nc, log } = options;
  const clients = new Map<string, ServiceClient>(
    options.services.map((s) => [s.name, serviceClient(s, options.signingKey, options.fetch)]),
  );
  const rpc: RpcForwarding[] = [];
  const events: { name: string; forwarding: EventForwarding }[] = [];
  const stopAll = async () => {
    await Promise.all(rpc.map((r) => r.stop()));
    await Promise.all(events.map((e) => e.forwarding.stop()));
  };
  try {
    for (const service of options.services) {
      const client = clients.get(service.name)!;
      const serviceLog = log.child({ carried: service.name });
      for (const carried of service.streams) {
        const forwarding = await forwardEvents({
          nc,
          service: service.name,
          carried,
          client,
          log: serviceLog,
          timeoutMs: options.timeoutMs,
          concurrency: options.concurrency,
          ...options.delivery,
        });
        events.push({ name: `${service.name} ${carried.stream.name}`, forwarding });
      }
      if (service.methods.size > 0) {
        rpc.push(
          await forwardRpc({ nc, service, client, log: serviceLog, timeoutMs: options.timeoutMs }),
        );
      }
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  const ticking = startTicking({
    services: options.tickMs > 0
      ? options.services.map((s) => ({ name: s.name, client: clients.get(s.name)! }))
      : [],
    intervalMs: options.tickMs,
    timeoutMs: options.timeoutMs,
    log,
  });
  log.info("bridge started", {
    services: options.services.map((s) => `${s.name}=${s.baseUrl}`),
    durables: events.map((e) => e.name),
  });
  const checks: Record<string, ReadinessCheck> = {
    nats: () => natsAnswers(nc),
    ...Object.fromEntries(events.map((e) => [`durable ${e.name}`, () => e.forwarding.ready()])),
  };
  return {
    fetch: probeRoutes(checks).fetch,
    stop: async () => {
      await ticking.stop();
      await stopAll();
      log.info("bridge stopped");
    },
  };
}
