/**
 * A stack with some services deployed as on Deno Deploy: each of `edge` runs in the simulated
 * edge runtime (./edge_runtime.ts: started by a request, stopped when idle, no file system),
 * reaches NATS over WebSocket and Postgres, and takes its NATS traffic from the bridge
 * (`TRANSPORT=bridge`), which runs long-lived beside NATS (in this process) with its own NATS
 * identity and signs every request. The other services and the gateway run long-lived, in this
 * process too (./stack.ts). Postgres only: an edge service has no file system for PGlite.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { type RunningBridge, startBridge } from "../../bridge/bridge.ts";
import { carriedFrom } from "../../bridge/carried.ts";
import { buildService } from "../../infra/build.ts";
import { bridgeName, bridgePermissions } from "../../infra/nats/bridge_permissions.ts";
import { serviceHandlers } from "../../infra/service_handlers.ts";
import { registry, serviceNamed } from "../../services/registry.ts";
import { generateBridgeKeys, importBridgeSigningKey } from "../../shared/bridge/mod.ts";
import { connectNats } from "../../shared/bus/mod.ts";
import { createLogger } from "../../shared/log/mod.ts";
import { adminUrl } from "./databases.ts";
import { type EdgeRuntime, startEdgeRuntime } from "./edge_runtime.ts";
import { backendServices, type Stack, startStack } from "./stack.ts";

export interface EdgeStackOptions {
  /** The services run in the edge lifecycle behind the bridge. */
  edge: string[];
  /** Milliseconds without a request before an edge instance stops (default 1500). */
  idleMs?: number;
  /** Instances at once, per edge service (default 1). */
  instances?: Record<string, number>;
  /** Variables of every service, the edge ones too. */
  env?: Record<string, string>;
  /** Between two ticks the bridge sends each edge service, in ms; 0 (the default): none. */
  tickMs?: number;
  /** How long one delivery by the bridge may take, in ms (default 8000, as BRIDGE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** The bridge's figures for retrying and giving up on a message (default: the kit's). */
  delivery?: { maxDeliver?: number; backoffMs?: readonly number[] };
  /**
   * What an instance runs: `bundle` (the default), the service bundled as `deno task build`
   * makes it for Deno Deploy; `source`, its main.ts (no bundling, a slower start).
   */
  entry?: "bundle" | "source";
  /** The Postgres to run on (default DATABASE_URL): an edge service has no file system. */
  databaseUrl?: string;
}

/** The stack, the edge runtimes by service, and the bridge's key pair (PEM). */
export interface EdgeStack {
  stack: Stack;
  edges: Record<string, EdgeRuntime>;
  keys: { signingKey: string; publicKey: string };
  /** Resolves once no edge service runs an instance. */
  asleep(): Promise<void>;
  /**
   * Resolves once the edge services' durables hold nothing to deliver or settle and no instance
   * runs: every event they react to was handled, and they sleep.
   */
  quiet(): Promise<void>;
  close(): Promise<void>;
}

/** Whether the edge stack can run here: it needs Postgres (DATABASE_URL). */
export const edgeStackRuns = adminUrl !== undefined;

/** Starts the stack, the edge runtimes (nothing running yet) and the bridge, ready. */
export async function startEdgeStack(options: EdgeStackOptions): Promise<EdgeStack> {
  const databaseUrl = options.databaseUrl ?? adminUrl;
  if (!databaseUrl) throw new Error("an edge stack needs Postgres: set DATABASE_URL");
  const env: Record<string, string> = { LOG_LEVEL: "error", ...options.env };
  const stack = await startStack({
    databaseUrl,
    services: backendServices.filter((name) => !options.edge.includes(name)),
    env,
    extraIdentities: [{ name: bridgeName, permissions: bridgePermissions(options.edge, registry) }],
  });
  const edges: Record<string, EdgeRuntime> = {};
  const out = await Deno.makeTempDir({ prefix: "edge-bundles-" });
  let bridge: RunningBridge | null = null;
  let bridgeNc: NatsConnection | null = null;
  try {
    // Migrated here, once: the instances find their schema ready.
    for (const name of options.edge) await stack.database(name);
    const keys = await generateBridgeKeys();
    const { nats } = stack;
    const entries = options.entry === "source"
      ? options.edge.map((name) => `services/${name}/main.ts`)
      : await Promise.all(options.edge.map((name) => buildService(name, out)));
    for (const [i, name] of options.edge.entries()) {
      edges[name] = startEdgeRuntime({
        name,
        entry: entries[i],
        env: {
          ...env,
          NATS_URL: nats.wsUrl,
          ...nats.caFile && { DENO_CERT: nats.caFile },
          ...nats.authorization && { NATS_NKEY_SEED: nats.seed(name)! },
          DATABASE_URL: stack.databases.url!,
          // Users signs the tokens the gateway verifies: the stack's key, as the gateway knows it.
          ...name === "users" && {
            TOKEN_SIGNING_KEY: JSON.stringify(stack.signingKey),
            PASSWORD_ITERATIONS: env.PASSWORD_ITERATIONS ?? "10000",
          },
          TRANSPORT: "bridge",
          BRIDGE_PUBLIC_KEY: keys.publicKey,
        },
        idleMs: options.idleMs ?? 1500,
        instances: options.instances?.[name],
      });
    }
    // Its own identity, with the permissions of the services it carries and nothing else.
    bridgeNc = await connectNats(nats.url, bridgeName, nats.seed(bridgeName), {
      caFile: nats.caFile,
    });
    bridge = await startBridge({
      nc: bridgeNc,
      services: carriedFrom(
        options.edge.map((name) => ({ name, baseUrl: edges[name].url })),
        registry,
        serviceHandlers,
      ),
      signingKey: await importBridgeSigningKey(keys.signingKey),
      log: createLogger({ service: "bridge", level: "error" }),
      timeoutMs: options.timeoutMs ?? 8000,
      concurrency: 8,
      tickMs: options.tickMs ?? 0,
      delivery: options.delivery,
    });
    const [running, runningNc] = [bridge, bridgeNc];
    const asleep = async () => {
      await Promise.all(Object.values(edges).map((edge) => edge.asleep()));
    };
    const jsm = await jetstreamManager(stack.nc);
    const durables = options.edge.flatMap((name) =>
      (serviceNamed(name)?.bus.reactsTo ?? []).map((stream) => [stream.name, name] as const)
    );
    const settled = async () => {
      for (const [stream, durable] of durables) {
        const info = await jsm.consumers.info(stream, durable);
        if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
      }
      return true;
    };
    return {
      stack,
      edges,
      keys,
      asleep,
      quiet: async () => {
        while (true) {
          await asleep();
          if (await settled() && Object.values(edges).every((edge) => edge.running() === 0)) return;
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      close: async () => {
        await running.stop();
        await runningNc.close();
        await Promise.all(Object.values(edges).map((edge) => edge.close()));
        await stack.close();
        await Deno.remove(out, { recursive: true });
      },
    };
  } catch (error) {
    await bridge?.stop();
    await bridgeNc?.close();
    await Promise.all(Object.values(edges).map((edge) => edge.close()));
    await stack.close();
    await Deno.remove(out, { recursive: true });
    throw error;
  }
}
