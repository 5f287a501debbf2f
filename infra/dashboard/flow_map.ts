/**
 * The map of the stack for the Flow page, as a Mermaid flowchart drawn from the services' own
 * declarations (their modules' `bus`: the stream each publishes, the streams each reacts to with
 * a durable consumer, the services each calls), each edge labelled with live counts from
 * nats-server's monitoring endpoint (`/jsz`): messages in a stream, and per durable consumer
 * what it has acknowledged and what waits for it.
 */
import type { ServiceModule } from "../../shared/runtime/mod.ts";

/** A stream's and its consumers' counts, as /jsz reports them. */
export interface StreamCounts {
  messages: number;
  lastSeq: number;
  consumers: Record<string, ConsumerCounts>;
}

/** One durable consumer: its position (stream sequence acknowledged) and what waits. */
export interface ConsumerCounts {
  ackFloor: number;
  /** Messages not yet delivered to it. */
  pending: number;
  /** Delivered, not yet acknowledged. */
  ackPending: number;
  redelivered: number;
}

/** A consumer as /jsz describes it (what is read of it). */
export interface JszConsumer {
  name: string;
  num_pending?: number;
  num_ack_pending?: number;
  num_redelivered?: number;
  ack_floor?: { stream_seq?: number };
}
/** A stream as /jsz describes it (what is read of it). */
export interface JszStream {
  name: string;
  state?: { messages?: number; last_seq?: number };
  consumer_detail?: JszConsumer[];
}

/**
 * Each stream's counts by name, from nats-server's `<monitoringUrl>/jsz`; throws when the
 * server does not answer within `timeoutMs`.
 */
export async function streamCounts(
  monitoringUrl: string,
  timeoutMs = 1500,
): Promise<Record<string, StreamCounts>> {
  const response = await fetch(`${monitoringUrl}/jsz?accounts=true&streams=true&consumers=true`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`${monitoringUrl}/jsz answered ${response.status}`);
  return countsOf(await response.json());
}

/** What `/jsz?accounts=true&streams=true&consumers=true` says, as counts by stream name. */
export function countsOf(jsz: { account_details?: { stream_detail?: JszStream[] }[] }) {
  const counts: Record<string, StreamCounts> = {};
  for (const stream of (jsz.account_details ?? []).flatMap((a) => a.stream_detail ?? [])) {
    counts[stream.name] = {
      messages: stream.state?.messages ?? 0,
      lastSeq: stream.state?.last_seq ?? 0,
      consumers: Object.fromEntries((stream.consumer_detail ?? []).map((c) => [c.name, {
        ackFloor: c.ack_floor?.stream_seq ?? 0,
        pending: c.num_pending ?? 0,
        ackPending: c.num_ack_pending ?? 0,
        redelivered: c.num_redelivered ?? 0,
      }])),
    };
  }
  return counts;
}

const serviceNode = (name: string) => `svc_${name.replace(/\W/g, "_")}`;
const streamNode = (name: string) => `stream_${name.replace(/\W/g, "_")}`;

/**
 * The map as Mermaid flowchart text: services as boxes, streams as cylinders with their subjects;
 * `publishes` edges (with the stream's messages), `consumer` edges from a stream to each service
 * with a durable on it (acknowledged up to, pending); whom a service calls is written in its box.
 * Without `counts` (no monitoring endpoint) the edges carry no numbers.
 */
export function flowMap(
  registry: readonly ServiceModule[],
  counts?: Record<string, StreamCounts>,
): string {
  const lines = ["flowchart LR"];
  for (const service of registry) {
    // Calls are written in the box: as edges, the gateway's alone would loop round the map.
    const calls = (service.bus.calls ?? []).map((called) => called.name).join(", ");
    const label = calls ? `<b>${service.name}</b><br/><small>calls ${calls}</small>` : service.name;
    lines.push(`  ${serviceNode(service.name)}["${label}"]`);
  }
  const streams = new Map(
    registry.flatMap((s) => s.bus.publishes ? [[s.bus.publishes.name, s.bus.publishes]] : []),
  );
  for (const service of registry) {
    for (const stream of service.bus.reactsTo ?? []) streams.set(stream.name, stream);
  }
  for (const stream of streams.values()) {
    lines.push(`  ${streamNode(stream.name)}[("${stream.name}<br/>${stream.subjects.join(" ")}")]`);
  }
  for (const service of registry) {
    const published = service.bus.publishes;
    if (published) {
      const stream = counts?.[published.name];
      const label = stream ? `publishes · ${stream.lastSeq} msgs` : "publishes";
      lines.push(`  ${serviceNode(service.name)} -- "${label}" --> ${streamNode(published.name)}`);
    }
    for (const stream of service.bus.reactsTo ?? []) {
      const consumer = counts?.[stream.name]?.consumers[service.name];
      const label = consumer
        ? `${service.name} · acked ${consumer.ackFloor} · pending ${
          consumer.pending + consumer.ackPending
        }`
        : `durable ${service.name}`;
      lines.push(`  ${streamNode(stream.name)} -- "${label}" --> ${serviceNode(service.name)}`);
    }
  }
  return lines.join("\n");
}
