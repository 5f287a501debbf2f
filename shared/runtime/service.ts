/**
 * A service, declared: what it serves, what it publishes, what it reacts to. `runService`
 * assembles the pieces every service needs the same way (stream, outbox relay, one durable
 * consumer per stream it reacts to, the RPC endpoints, health), so a service folder holds only
 * what is its own.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { PgTable } from "drizzle-orm/pg-core";
import type { ServiceDatabase } from "../db/client.ts";
import { parseConfig, retentionConfig, type RetentionSettings } from "../config/mod.ts";
import { ensureStream, natsAnswers, serveRpc } from "../bus/mod.ts";
import { rpcRoutes } from "../bus/rpc_server.ts";
import { transportConfig, type TransportSettings } from "../config/transport.ts";
import {
  operationsApi,
  type RpcEndpoints,
  type RpcService,
  type StreamDefinition,
} from "../contracts/mod.ts";
import {
  eventDispatcher,
  type EventHandler,
  type InboxTable,
  type RunningConsumer,
  startEventConsumer,
} from "../events/mod.ts";
import { watchFaults } from "../faults/mod.ts";
import { checkReadiness, probeRoutes, type ReadinessCheck } from "../health/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type OutboxRelay, type OutboxTable, startOutboxRelay } from "../outbox/mod.ts";
import type { BusUseRun } from "./bus_use.ts";
import { operations } from "./operations.ts";
import { kitPurges } from "./retention.ts";
import { periodicOnDemand, type PeriodicWork, startPeriodic } from "./periodic.ts";
import { type EndpointHandlers, withTransactions } from "./transaction.ts";
import { retryAtStart } from "../bus/start_retry.ts";

/**
 * A service, declared for `runService`: its RPC contract and the handlers that serve it, the stream
 * and outbox of the events it publishes, the streams it reacts to with their handlers and inbox,
 * its read model, and any work before it serves.
 */
export interface ServiceDefinition<E extends RpcEndpoints> {
  /**
   * Its RPC contract: the name (`rpc.<name>.*`, the queue group, the durable consumers' name) and
   * its endpoints.
   */
  api: RpcService<E>;
  /** Its version (semver), as `$SRV.INFO` reports it. */
  version: string;
  /** One line on what it does, as `$SRV.INFO` reports it. */
  description: string;
  /**
   * The stream of the events this service states, and the outbox they go through: the handlers'
   * and endpoints' `publish` writes there, and the relay publishes it.
   */
  publishes?: { stream: StreamDefinition; outbox: OutboxTable };
  /**
   * The streams this service reacts to, each with its handlers, and the inbox they share.
   * `independentKeys`: the handlers never touch rows that events of another ordering key touch,
   * so a batch may apply those side by side (see the event dispatcher).
   */
  reactsTo?: {
    inbox: InboxTable;
    streams: { stream: StreamDefinition; handlers: EventHandler[]; independentKeys?: boolean }[];
  };
  /**
   * Tables built only from the events this service reacts to (a read model). With it, the
   * operator's `replay --rebuild` empties them and the inbox, then replays every stream in
   * `reactsTo` from the start, in one transaction.
   */
  readModel?: { tables: PgTable[] };
  /**
   * The endpoints. One that changes state runs `ctx.transaction(work)`: `work` gets the
   * transaction and a `publish` that states events as this service, caused by the request, and
   * the relay publishes them at the commit (see shared/runtime/transaction.ts).
   */
  endpoints(): EndpointHandlers<E>;
  /** Work before serving, e.g. seeding data. */
  prepare?(database: ServiceDatabase): Promise<void>;
  /** Work on a timer while it runs (a deadline sweep, a purge); stopped first on `stop()`. */
  periodic?: PeriodicWork[];
}

/** A started service: its HTTP face and how to stop it. */
export interface RunningService {
  /**
   * The service's HTTP face: health, readiness and metrics; the gateway's is the public API.
   * `info` is Deno.serve's: the client's address, which the gateway's rate limits key by; a
   * request without it (in-process tests) counts as one unknown address.
   */
  fetch: (request: Request, info?: Deno.ServeHandlerInfo) => Response | Promise<Response>;
  /** Stops taking work and finishes what is in flight. */
  stop(): Promise<void>;
  /** What it runs on NATS, by name (`runService` says): checked against its module's `bus`. */
  bus?: BusUseRun;
}

/**
 * What `runService` runs a service on: its NATS connection, its opened database, its logger and how
 * its consumers deliver.
 */
export interface ServiceResources {
  nc: NatsConnection;
  database: ServiceDatabase;
  log: Logger;
  /**
   * How often, and how far apart, a failing event is retried before it is a dead letter, and how
   * many transactions each consumer runs at once.
   */
  delivery?: { maxDeliver?: number; backoffMs?: number[]; concurrency?: number };
  /** How long its outbox and inbox rows are kept; unset, from the environment (or defaults). */
  retention?: RetentionSettings;
  /**
   * How it receives its NATS traffic; unset, from the environment (TRANSPORT, BRIDGE_PUBLIC_KEY).
   * `bridge`: no RPC subscription, no durable consumer, no periodic timer; the bridge's requests to
   * its `/_bridge/*` routes run the same endpoints, dispatchers and periodic work
   * (./bridge_transport.ts).
   */
  transport?: TransportSettings;
}

/**
 * Starts a declared service, in order: `prepare`, its stream and its fault watch side by side
 * (behind the bridge the stream is declared in the background); its outbox relay (when it publishes);
 * one durable event consumer per stream it reacts to; its RPC endpoints together with the
 * operator's endpoints (`operationsApi`) on the services framework; its periodic work. Resolves to
 * its HTTP face (`/health`, `/ready` while NATS, the database and every consumer answer,
 * `/metrics`) and a `stop()` that stops the periodic work, then the endpoints, then the
 * consumers, then the relay. Throws what a start step throws (NATS or the database unreachable),
 * and ConfigError, before anything starts, for an inbox retention shorter than the streams allow
 * or a bridge transport without a usable BRIDGE_PUBLIC_KEY. The periodic work includes the
 * retention purges of its outbox and inbox (./retention.ts). With the bridge transport, it serves
 * and consumes nothing on NATS and its periodic work runs on no timer: its `fetch` answers the
 * bridge's `/_bridge/*` requests, tick included, with the same parts (./bridge_transport.ts).
 */
export async function runService<E extends RpcEndpoints>(
  definition: ServiceDefinition<E>,
  { nc, database, log, delivery, retention, transport }: ServiceResources,
): Promise<RunningService> {
  const { db } = database;
  const service = definition.api.name;
  // First too: a bridge transport without a usable key refuses to start (ConfigError).
  const { TRANSPORT, BRIDGE_PUBLIC_KEY } = parseConfig(
    service,
    transportConfig,
    transport ?? Deno.env.toObject(),
  );
  // Loaded only behind the bridge: a service on NATS never loads the token's verification.
  const bridging = TRANSPORT === "bridge" ? await import("./bridge_transport.ts") : null;
  const bridgeKey = bridging && await bridging.importBridgePublicKey(BRIDGE_PUBLIC_KEY!);
  // First: an inbox retention that breaks the rule refuses to start (ConfigError).
  const purges = kitPurges({
    service,
    db,
    nc,
    settings: retention ?? parseConfig(service, retentionConfig, Deno.env.toObject()),
    outbox: definition.publishes?.outbox,
    inbox: definition.reactsTo && {
      table: definition.reactsTo.inbox,
      streams: definition.reactsTo.streams.map(({ stream }) => stream),
    },
  });
  // Side by side: the faults set before it started (they apply from its first event and request),
  // `prepare`, and its stream, which behind the bridge is declared in the background (until it
  // exists a relay's publish fails, is logged, and is retried by the relay).
  const stream = definition.publishes?.stream;
  const declaring = stream &&
    retryAtStart("declaring", () => ensureStream(nc, stream, { log }), { log });
  const declared = bridging
    ? declaring?.catch((error) => log.warn("declaring the stream failed", { error }))
    : declaring;
  const [faults] = await Promise.all([
    watchFaults(nc, { service, log }),
    definition.prepare?.(database),
    bridging ? undefined : declared,
  ]);

  let relay: OutboxRelay | null = null;
  if (definition.publishes) {
    relay = startOutboxRelay({
      service,
      db,
      table: definition.publishes.outbox,
      nc,
      log,
      stream: definition.publishes.stream,
    });
  }

  // One dispatcher per stream, shared by the live consumer and the operator's replay, rebuild
  // and redrive: an event meets the same rules, and its outbox rows go out at commit, either way.
  const dispatchers = new Map(
    (definition.reactsTo?.streams ?? []).map(({ stream, handlers, independentKeys }) => [
      stream.name,
      eventDispatcher({
        service,
        handlers,
        db,
        inbox: definition.reactsTo!.inbox,
        log,
        outbox: definition.publishes?.outbox,
        afterCommit: relay?.committed,
        independentKeys,
      }),
    ]),
  );
  const consumers: RunningConsumer[] = [];
  // Behind the bridge, it consumes nothing itself: the bridge pulls its durables for it.
  for (const { stream, handlers } of bridgeKey ? [] : definition.reactsTo?.streams ?? []) {
    consumers.push(
      await startEventConsumer({
        nc,
        service,
        stream,
        handlers,
        db,
        inbox: definition.reactsTo!.inbox,
        log,
        dispatcher: dispatchers.get(stream.name),
        ...delivery,
      }),
    );
  }

  // Ready while NATS and the database answer and every durable consumer can fetch (one that
  // the server lost is being recreated meanwhile: events would wait).
  const checks: Record<string, ReadinessCheck> = {
    nats: () => natsAnswers(nc),
    database: database.ping,
    ...Object.fromEntries(
      consumers.map((consumer, i) => [
        `consumer ${definition.reactsTo!.streams[i].stream.name}`,
        () => consumer.ready(),
      ]),
    ),
  };
  const operator = operations({
    nc,
    service,
    db,
    dispatchers,
    inbox: definition.reactsTo?.inbox,
    readModel: definition.readModel,
    afterApply: relay?.wake,
    publishes: definition.publishes,
    readiness: () => checkReadiness(checks),
  });
  const endpoints = withTransactions(definition.endpoints(), {
    service,
    db,
    outbox: definition.publishes?.outbox,
    relay: relay ?? undefined,
  });
  const api = {
    name: service,
    endpoints: { ...definition.api.endpoints, ...operationsApi(service).endpoints },
  };
  const handlers = { ...endpoints, ...operator };
  const serve = { version: definition.version, log, description: definition.description };
  const rpc = bridgeKey ? null : await serveRpc(nc, api, handlers, serve);
  const works = [...purges, ...(definition.periodic ?? [])];
  const publishing = {
    service,
    db,
    outbox: definition.publishes?.outbox,
    relay: relay ?? undefined,
  };
  const bridge = bridgeKey && bridging!.bridgeTransport({
    service,
    publicKey: bridgeKey,
    routes: rpcRoutes(nc, api, handlers),
    serve,
    dispatchers,
    periodic: periodicOnDemand(works, { publishing, log }),
    relay: relay ?? undefined,
    log,
  });
  const periodic = bridge ? null : startPeriodic(works, { publishing, log });
  const probes = probeRoutes(checks);
  return {
    fetch: bridge
      ? (request, info) => bridge.fetch(request, () => probes.fetch(request, info))
      : probes.fetch,
    bus: {
      serves: service,
      publishes: definition.publishes?.stream.name,
      reactsTo: (definition.reactsTo?.streams ?? []).map(({ stream }) => stream.name),
    },
    stop: async () => {
      await bridge?.stop();
      await periodic?.stop();
      await rpc?.stop();
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      await relay?.stop();
      await declared;
      await faults.stop();
    },
  };
}
