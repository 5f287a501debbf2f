/**
 * The services framework's discovery (`$SRV.PING`, `$SRV.INFO`, `$SRV.STATS`, each bare, by name
 * and by id) answered by the bridge for a service it carries: the service subscribes to nothing on
 * NATS, so without this the operator's `deno task ops services`, the gateway's admin services page
 * and the harnesses' waits would not see it. The bridge answers as one instance of the service
 * (one id per bridge and service, metadata `transport: bridge`), with the endpoints it forwards
 * and what it has forwarded of each.
 */
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import type { CarriedService } from "./carried.ts";

/** What the bridge forwarded of one endpoint: requests, those not answered `ok`, total time. */
interface EndpointCounts {
  requests: number;
  errors: number;
  lastError: string;
  totalMs: number;
}

/** The discovery answers of one carried service, and the counts its RPC forwarding keeps. */
export interface ServiceDiscovery {
  /** Counts one forwarded request to `subject`: `error` when it was not answered as `ok`. */
  record(subject: string, ms: number, error?: string): void;
  /**
   * Subscribes to `$SRV.<verb>`, `$SRV.<verb>.<name>` and `$SRV.<verb>.<name>.<id>` and answers
   * each as the services framework would. Resolves once the server has them.
   */
  answer(nc: NatsConnection): Promise<void>;
  /** Unsubscribes. */
  stop(): Promise<void>;
}

const verbs = ["PING", "INFO", "STATS"] as const;
const responseType = {
  PING: "io.nats.micro.v1.ping_response",
  INFO: "io.nats.micro.v1.info_response",
  STATS: "io.nats.micro.v1.stats_response",
};

/** The discovery of `service`, answering nothing until `answer` is called. */
export function serviceDiscovery(service: CarriedService): ServiceDiscovery {
  // 22 characters, as the framework's own ids (a NUID).
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 22);
  const started = new Date().toISOString();
  const counts = new Map<string, EndpointCounts>(
    [...service.methods.keys()].map((subject) => [
      subject,
      { requests: 0, errors: 0, lastError: "", totalMs: 0 },
    ]),
  );
  const identity = {
    name: service.name,
    id,
    version: "0.0.0",
    metadata: { transport: "bridge", url: service.baseUrl },
  };
  const endpoints = () =>
    [...service.methods].map(([subject, method]) => ({
      name: method,
      subject,
      queue_group: service.name,
    }));
  const answers = {
    PING: () => ({ type: responseType.PING, ...identity }),
    INFO: () => ({
      type: responseType.INFO,
      ...identity,
      description: `${service.name}, behind the bridge at ${service.baseUrl}`,
      endpoints: endpoints(),
    }),
    STATS: () => ({
      type: responseType.STATS,
      ...identity,
      started,
      endpoints: endpoints().map((endpoint) => {
        const c = counts.get(endpoint.subject)!;
        const nanos = Math.round(c.totalMs * 1e6);
        return {
          ...endpoint,
          num_requests: c.requests,
          num_errors: c.errors,
          last_error: c.lastError,
          processing_time: nanos,
          average_processing_time: c.requests ? Math.round(nanos / c.requests) : 0,
        };
      }),
    }),
  };
  const subscriptions: Subscription[] = [];
  return {
    record: (subject, ms, error) => {
      const c = counts.get(subject);
      if (!c) return;
      c.requests++;
      c.totalMs += ms;
      if (error !== undefined) {
        c.errors++;
        c.lastError = error;
      }
    },
    answer: async (nc) => {
      const name = service.name;
      for (const verb of verbs) {
        const subjects = [`$SRV.${verb}`, `$SRV.${verb}.${name}`, `$SRV.${verb}.${name}.${id}`];
        for (const subject of subjects) {
          subscriptions.push(nc.subscribe(subject, {
            callback: (error, msg) => {
              if (!error && msg.reply) msg.respond(JSON.stringify(answers[verb]()));
            },
          }));
        }
      }
      await nc.flush();
    },
    stop: async () => {
      await Promise.all(subscriptions.map((sub) => sub.drain().catch(() => {})));
    },
  };
}
