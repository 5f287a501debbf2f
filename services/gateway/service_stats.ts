/**
 * Every running instance's request counts, errors and processing time, gathered over NATS from
 * the services framework's stats ($SRV.STATS), as Prometheus text: the whole platform's RED
 * view from the one public entry, wherever the services run.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { type ServiceStats, Svcm } from "@nats-io/services";
import { Counter, Registry } from "prom-client";
import { natsAnswers } from "../../shared/bus/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";

/**
 * The stats of every instance of the services named `services` (the gateway's: its identity may
 * ask those alone, `$SRV.STATS.<name>`). Throws ServiceError `unavailable` when NATS does not
 * answer: an empty list then would say that no service runs, when it is the gateway that cannot
 * see them.
 */
export async function serviceStatsText(
  nc: NatsConnection,
  services: readonly string[],
  waitMs = 500,
): Promise<string> {
  await natsAnswers(nc, waitMs).catch(() => {
    throw new ServiceError("unavailable", "NATS does not answer", undefined, "nats");
  });
  // Every instance answers; collect what arrives within the wait, from all services at once.
  const client = new Svcm(nc).client({ strategy: "timer", maxWait: waitMs });
  const perService = await Promise.all(services.map(async (name) => {
    const instances: ServiceStats[] = [];
    for await (const stats of await client.stats(name)) instances.push(stats);
    return instances;
  }));
  return await serviceStatsPrometheus(perService.flat());
}

/** What of an instance's $SRV.STATS reply the metrics show. */
export type InstanceStats = Pick<ServiceStats, "name" | "id" | "version" | "endpoints">;

/**
 * The instances' stats in the Prometheus text format (0.0.4), one sample per endpoint of each
 * instance in three counters, labelled service, instance, version and endpoint (its subject).
 * A prom-client registry of its own writes it, so label values are escaped as the format
 * requires (`\`, `"` and newline): services name themselves, and one name must not break the
 * whole page. Processing time is in seconds (NATS reports nanoseconds).
 */
export async function serviceStatsPrometheus(instances: Iterable<InstanceStats>): Promise<string> {
  const registry = new Registry();
  const labelNames = ["service", "instance", "version", "endpoint"] as const;
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const requests = counter(
    "nats_service_requests_total",
    "Requests an instance's endpoint has handled.",
  );
  const errors = counter(
    "nats_service_errors_total",
    "Requests an instance's endpoint answered with an error.",
  );
  const processing = counter(
    "nats_service_processing_seconds_total",
    "Time an instance's endpoint spent handling.",
  );
  for (const stats of instances) {
    for (const endpoint of stats.endpoints ?? []) {
      const labels = {
        service: stats.name,
        instance: stats.id,
        version: stats.version,
        endpoint: endpoint.subject,
      };
      requests.inc(labels, endpoint.num_requests);
      errors.inc(labels, endpoint.num_errors);
      processing.inc(labels, endpoint.processing_time / 1e9);
    }
  }
  return await registry.metrics();
}
