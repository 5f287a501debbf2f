/**
 * How many copies of each JetStream stream the servers keep: three on a cluster of three or more
 * servers, so losing one (its leader even) loses nothing and stops nothing; one on a single server.
 * `JETSTREAM_REPLICAS` pins the number for a deployment that knows better.
 */
import type { NatsConnection } from "@nats-io/nats-core";

/** Replicas on a cluster large enough: a majority (two) survives the loss of any one server. */
export const clusterReplicas = 3;

const pinned = new WeakMap<NatsConnection, number>();

/**
 * Makes every stream made or updated through `nc` keep `replicas` copies (1 to 5), whatever the
 * cluster's size: the `JETSTREAM_REPLICAS` variable. Throws a RangeError outside 1 to 5.
 */
export function pinStreamReplicas(nc: NatsConnection, replicas: number): void {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    throw new RangeError(`JetStream replicas must be 1 to 5, not ${replicas}`);
  }
  pinned.set(nc, replicas);
}

/** The replicas pinned on `nc` (`pinStreamReplicas`), or undefined when the cluster decides. */
export function pinnedStreamReplicas(nc: NatsConnection): number | undefined {
  return pinned.get(nc);
}

/**
 * The replicas a stream made through `nc` gets: the pinned number; else 3 when the server `nc`
 * is on has JetStream and announces a cluster of three or more servers (its INFO's
 * `connect_urls`, which it updates as servers join and leave); else 1. (Asking for three while a
 * server is down can time out: the cluster may still place a copy on the dead one.)
 */
export function streamReplicas(nc: NatsConnection): number {
  const pin = pinned.get(nc);
  if (pin !== undefined) return pin;
  const info = nc.info;
  return info?.jetstream && info.cluster && serversUp(nc) >= clusterReplicas ? clusterReplicas : 1;
}

/** The servers `nc`'s server announces as up in its cluster (its INFO's `connect_urls`), 1 at least. */
export function serversUp(nc: NatsConnection): number {
  const info = nc.info as (typeof nc.info & { ws_connect_urls?: string[] }) | undefined;
  return Math.max(1, info?.connect_urls?.length ?? 0, info?.ws_connect_urls?.length ?? 0);
}

/** Whether `nc`'s server is in a cluster that announces fewer servers up than streams want. */
export function clusterShortOfServers(nc: NatsConnection): boolean {
  return Boolean(nc.info?.cluster) && serversUp(nc) < clusterReplicas;
}
