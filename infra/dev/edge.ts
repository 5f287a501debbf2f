/**
 * `DEV_EDGE=orders,payments deno task dev`: those services run behind the bridge, as on an edge
 * runtime: each with TRANSPORT=bridge and the bridge's public key (it subscribes to nothing and
 * takes its RPC requests, events and ticks as signed HTTP requests), and the bridge process
 * (bridge/main.ts) beside them with its own NATS identity, carrying exactly those. A fresh key
 * pair per start: both sides get it at once. Unset (the default), nothing changes.
 */
import { generateBridgeKeys } from "../../shared/bridge/mod.ts";
import type { ServiceModule } from "../../shared/runtime/mod.ts";
import { bridgeName, bridgePermissions } from "../nats/bridge_permissions.ts";
import type { ConfiguredUser } from "../nats/permissions.ts";

/** The port the bridge's /health, /ready and /metrics listen on under `deno task dev`. */
export const bridgeDevPort = 8089;

/** How the runner starts the bridge: network and environment, and reading its CA file if any. */
export const bridgeArgs = ["run", "--allow-net", "--allow-env", "--allow-read", "bridge/main.ts"];

/** What DEV_EDGE asks for: the services carried, and the key pair they share with the bridge. */
export interface DevEdge {
  carried: string[];
  signingKey: string;
  publicKey: string;
}

/**
 * The services DEV_EDGE names (comma-separated), in the registry's order, or none when unset or
 * empty. Throws an Error naming an entry that is no service of `services`, or one that serves
 * and reacts to nothing (the gateway: it takes HTTP itself).
 */
export function edgeServices(value: string | undefined, services: readonly ServiceModule[]) {
  const names = (value ?? "").split(",").map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    const service = services.find((s) => s.name === name);
    if (!service) {
      throw new Error(
        `DEV_EDGE names ${name}, which is no service (${services.map((s) => s.name).join(", ")})`,
      );
    }
    if (!service.bus.serves && !service.bus.reactsTo?.length) {
      throw new Error(`DEV_EDGE names ${name}, which takes no NATS traffic to bridge`);
    }
  }
  return services.map((s) => s.name).filter((name) => names.includes(name));
}

/** DEV_EDGE's services with a fresh key pair, or undefined when it names none. */
export async function devEdge(
  value: string | undefined,
  services: readonly ServiceModule[],
): Promise<DevEdge | undefined> {
  const carried = edgeServices(value, services);
  if (carried.length === 0) return undefined;
  return { carried, ...await generateBridgeKeys() };
}

/** What a carried service is given besides its usual environment. */
export function edgeServiceEnv(edge: DevEdge): Record<string, string> {
  return { TRANSPORT: "bridge", BRIDGE_PUBLIC_KEY: edge.publicKey };
}

/** The bridge's environment: what it carries and where, its key, its identity's seed. */
export function bridgeEnv(
  edge: DevEdge,
  servicePorts: ReadonlyMap<string, number>,
  httpPort: number,
  seed: string | undefined,
): Record<string, string> {
  const addresses = edge.carried.map((name) =>
    `${name}=http://127.0.0.1:${servicePorts.get(name)}`
  );
  return {
    BRIDGE_SERVICES: addresses.join(","),
    BRIDGE_SIGNING_KEY: edge.signingKey,
    HTTP_PORT: String(httpPort),
    ...(seed ? { NATS_NKEY_SEED: seed } : {}),
  };
}

/** The bridge's user in the server's configuration, with the permissions of what it carries. */
export function bridgeUser(
  edge: DevEdge,
  services: readonly ServiceModule[],
  publicKey: string,
): ConfiguredUser {
  return { name: bridgeName, publicKey, permissions: bridgePermissions(edge.carried, services) };
}

export { bridgeName };
