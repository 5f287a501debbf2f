/**
 * Every running instance's request counts, errors and processing time, gathered over NATS from
 * the services framework's stats ($SRV.STATS), as Prometheus text: the whole platform's RED
 * view from the one public entry, wherever the services run.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { Svcm } from "@nats-io/services";
import { natsAnswers } from "../../shared/bus/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";

/**
 * Throws ServiceError `unavailable` when NATS does not answer: an empty list then would say
 * that no service runs, when it is the gateway that cannot see them.
 */
export async function serviceStatsText(nc: NatsConnection, waitMs = 500): Promise<string> {
  await natsAnswers(nc, waitMs).catch(() => {
    throw new ServiceError("unavailable", "NATS does not answer", undefined, "nats");
  });
  const lines = [
    "# HELP nats_service_requests_total Requests an instance's endpoint has handled.",
    "# TYPE nats_service_requests_total counter",
    "# HELP nats_service_errors_total Requests an instance's endpoint answered with an error.",
    "# TYPE nats_service_errors_total counter",
    "# HELP nats_service_processing_seconds_total Time an instance's endpoint spent handling.",
    "# TYPE nats_service_processing_seconds_total counter",
  ];
  // Every instance answers; collect what arrives within the wait.
  const replies = await new Svcm(nc).client({ strategy: "timer", maxWait: waitMs }).stats();
  for await (const stats of replies) {
    for (const endpoint of stats.endpoints ?? []) {
      const labels =
        `service="${stats.name}",instance="${stats.id}",version="${stats.version}",endpoint="${endpoint.subject}"`;
      lines.push(`nats_service_requests_total{${labels}} ${endpoint.num_requests}`);
      lines.push(`nats_service_errors_total{${labels}} ${endpoint.num_errors}`);
      lines.push(
        `nats_service_processing_seconds_total{${labels}} ${endpoint.processing_time / 1e9}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}
