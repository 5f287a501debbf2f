/**
 * Every running instance of every service, from the NATS services framework's own discovery
 * ($SRV.INFO and $SRV.STATS): name, version, endpoints and what each has served.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { Svcm } from "@nats-io/services";

/**
 * One running instance as it describes itself: name, instance id, version, description, start time
 * (ISO 8601), and per endpoint the requests and errors it has served and their mean time in ms.
 */
export interface ServiceInstance {
  name: string;
  id: string;
  version: string;
  description: string;
  started: string;
  endpoints: {
    name: string;
    subject: string;
    requests: number;
    errors: number;
    averageMs: number;
  }[];
}

/** Collects what answers within `waitMs`; every instance answers for itself. */
export async function discoverServices(
  nc: NatsConnection,
  options: { service?: string; waitMs?: number } = {},
): Promise<ServiceInstance[]> {
  const client = new Svcm(nc).client({ strategy: "timer", maxWait: options.waitMs ?? 500 });
  const [infos, stats] = await Promise.all([
    collect(await client.info(options.service)),
    collect(await client.stats(options.service)),
  ]);
  const statsOf = new Map(stats.map((s) => [s.id, s]));
  return infos.map((info) => {
    const endpointStats = new Map(
      (statsOf.get(info.id)?.endpoints ?? []).map((e) => [e.name, e]),
    );
    return {
      name: info.name,
      id: info.id,
      version: info.version,
      description: info.description ?? "",
      started: statsOf.get(info.id)?.started ?? "",
      endpoints: (info.endpoints ?? []).map((endpoint) => {
        const s = endpointStats.get(endpoint.name);
        return {
          name: endpoint.name,
          subject: endpoint.subject,
          requests: s?.num_requests ?? 0,
          errors: s?.num_errors ?? 0,
          averageMs: (s?.average_processing_time ?? 0) / 1e6,
        };
      }),
    };
  }).sort((a, b) => a.name.localeCompare(b.name) || a.started.localeCompare(b.started));
}

async function collect<T>(replies: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const reply of replies) all.push(reply);
  return all;
}
