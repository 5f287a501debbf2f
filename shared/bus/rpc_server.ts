import type { NatsConnection } from "@nats-io/nats-core";
import {
  type Service,
  ServiceErrorCodeHeader,
  ServiceErrorHeader,
  type ServiceMsg,
  Svcm,
} from "@nats-io/services";
import type {
  ReplyOf,
  RequestOf,
  RpcEndpoint,
  RpcEndpoints,
  RpcService,
} from "../contracts/mod.ts";
import { isCorrelationId } from "../contracts/mod.ts";
import { refusedInput } from "../db/errors.ts";
import { invalidFields, ServiceError, statusOf } from "../errors/mod.ts";
import { faultsArmed, injectFault, rpcFaultPoint } from "../faults/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type RpcServerMetrics, rpcServerMetrics } from "../telemetry/metrics.ts";
import { extractTraceContext, inMessagingSpan, SpanKind, tracing } from "../telemetry/tracing.ts";
import { requestHeaderValues } from "./request_header_values.ts";
import { maxPayloadOf, oversize, PayloadTooLarge } from "./payload.ts";

/**
 * What a handler gets besides its request: the caller's correlation id, its deadline, and a logger
 * tagged with the correlation id and the endpoint's subject.
 */
export interface RpcContext {
  correlationId: string;
  /** Epoch ms after which the caller has given up; work past it is wasted. */
  deadline: number;
  log: Logger;
}

/**
 * One handler per endpoint of the contract `E`: its request (validated) and context in, a promise
 * of its reply out. What it throws is answered as an error: a `ServiceError` as it is, anything
 * else as `internal`.
 */
export type RpcHandlers<E extends RpcEndpoints> = {
  [K in keyof E]: (request: RequestOf<E[K]>, ctx: RpcContext) => Promise<ReplyOf<E[K]>>;
};

/** How `serveRpc` presents the service and bounds its work. */
export interface ServeOptions {
  /** The service's version (semver), as `$SRV.INFO` reports it. */
  version: string;
  /** The service's logger; each request logs through a child of it. */
  log: Logger;
  /** One line on the service, as `$SRV.INFO` reports it. */
  description?: string;
  /** Budget assumed when a caller sent none. */
  defaultBudgetMs?: number;
}

/** A service being served by `serveRpc`. */
export interface RpcServer {
  /** The services framework's handle: info, stats. */
  service: Service;
  /** Takes no new requests, then waits for the ones being handled to be answered. */
  stop(): Promise<void>;
}

/**
 * Serves a contract's endpoints through the NATS services framework (discovery, ping, stats),
 * in a queue group named after the service so instances share the load. Every request is
 * validated, every failure answered as a typed error: the framework answers nothing for a
 * handler that throws.
 */
export async function serveRpc<E extends RpcEndpoints>(
  nc: NatsConnection,
  contract: RpcService<E>,
  handlers: RpcHandlers<E>,
  options: ServeOptions,
): Promise<RpcServer> {
  // Requests being answered, counted rather than kept as promises: no extra promise per request.
  let inFlight = 0;
  let drained: PromiseWithResolvers<void> | undefined;
  const settled = () => {
    if (--inFlight === 0) drained?.resolve();
  };
  const service = await new Svcm(nc).add({
    name: contract.name,
    version: options.version,
    description: options.description,
    queue: contract.name,
  });
  for (const [method, route] of rpcRoutes(nc, contract, handlers)) {
    const { endpoint } = route;
    service.addEndpoint(method, {
      subject: endpoint.subject,
      metadata: { idempotent: String(endpoint.idempotent) },
      handler: (_error, msg) => {
        // With tracing off no span is built, not even a no-op one: this runs on every request.
        if (!tracing()) {
          inFlight++;
          return void answer(msg, route, options, settled);
        }
        const parent = extractTraceContext(msg.headers);
        inFlight++; // only once nothing can throw before `answer` runs, which always settles
        inMessagingSpan(
          {
            operation: "process",
            destination: endpoint.subject,
            kind: SpanKind.SERVER,
            consumerGroup: contract.name,
          },
          parent,
          () => answer(msg, route, options, settled),
        );
      },
    });
  }
  // Started means routable: the server has our subscriptions before callers are told we run.
  await nc.flush();
  return {
    service,
    stop: async () => {
      await service.stop();
      if (inFlight === 0) return;
      drained ??= Promise.withResolvers();
      await drained.promise;
    },
  };
}

/**
 * Each endpoint of `contract` by method, with its handler and what answering it needs: what
 * `serveRpc` serves, and what the bridge transport answers HTTP requests with (`answer`).
 */
export function rpcRoutes<E extends RpcEndpoints>(
  nc: NatsConnection,
  contract: RpcService<E>,
  handlers: RpcHandlers<E>,
): Map<string, Route> {
  return new Map(
    Object.entries(contract.endpoints).map(([method, endpoint]) => [method, {
      service: contract.name,
      endpoint,
      handler: handlers[method as keyof E] as (r: unknown, c: RpcContext) => Promise<unknown>,
      metrics: rpcServerMetrics(contract.name, endpoint.subject),
      faultPoint: rpcFaultPoint(contract.name, method),
      maxPayload: () => maxPayloadOf(nc),
    }]),
  );
}

/** What an endpoint's requests need, built once rather than per request. */
export interface Route {
  /** The contract's name: the origin of the errors this service makes (ServiceError.origin). */
  service: string;
  endpoint: RpcEndpoint;
  handler: (request: unknown, ctx: RpcContext) => Promise<unknown>;
  metrics: RpcServerMetrics;
  /** The connected server's max_payload, read per reply: a reconnect may reach another server. */
  maxPayload: () => number;
  /** `<service>.rpc.<method>`: its fault point (shared/faults/), passed before the handler. */
  faultPoint: string;
}

/** What `answer` reads of a request and answers it with: a services-framework message's part. */
export type RpcMessage = Pick<ServiceMsg, "headers" | "data" | "json" | "respond" | "respondError">;

/**
 * Answers one request, whatever happens: validated, within its deadline, every failure as a typed
 * error (`respondError`); a reply past the deadline is dropped (nothing is answered). `settled` is
 * called once it is answered or dropped. Never rejects.
 */
export async function answer(
  msg: RpcMessage,
  { service, endpoint, handler, metrics, maxPayload, faultPoint }: Route,
  options: ServeOptions,
  settled: () => void,
): Promise<void> {
  const started = performance.now();
  let outcome = "ok";
  let log = options.log;
  // Everything inside the try, header decoding included: `settled` must run whatever happens.
  try {
    const sent = requestHeaderValues(msg);
    // Only a plain, short id is carried on (into logs and every event it causes).
    const correlationId = isCorrelationId(sent.correlationId)
      ? sent.correlationId
      : crypto.randomUUID();
    // Cheap: its fields are merged only when a line is written, and most requests log nothing.
    log = options.log.child({ correlationId, subject: endpoint.subject });
    const budget = Number(sent.budget || options.defaultBudgetMs || 5000);
    const deadline = Date.now() + budget;
    if (!(budget > 0)) {
      log.warn("dropped an expired request", { budgetMs: budget });
      throw new ServiceError("deadline", "the request's deadline had passed on arrival");
    }
    const request = endpoint.request.safeParse(parseJson(msg));
    if (!request.success) throw invalidFields(request.error);
    if (faultsArmed()) await injectFault(faultPoint);
    const reply = await handler(request.data, { correlationId, deadline, log });
    if (Date.now() > deadline) {
      // The caller has given up and answered its own client; a reply now only adds load.
      outcome = "late";
      log.warn("dropped a reply past its deadline", { lateMs: Date.now() - deadline });
      return;
    }
    const body = JSON.stringify(endpoint.reply.parse(reply));
    // Refused here, saying why: past max_payload the publish would throw a bare error.
    const bytes = oversize(maxPayload(), body);
    if (bytes !== undefined) {
      throw new PayloadTooLarge(`the reply of ${endpoint.subject}`, bytes, maxPayload());
    }
    msg.respond(body);
  } catch (error) {
    const failure = error instanceof ServiceError
      ? error
      : refused(error, log) ?? internal(error, log);
    // An error passed through from a dependency keeps the origin its client gave it.
    failure.origin ??= service;
    outcome = failure.kind;
    answerError(msg, failure, maxPayload(), log);
  } finally {
    metrics.record(outcome, (performance.now() - started) / 1000);
    settled();
  }
}

function parseJson(msg: RpcMessage): unknown {
  try {
    return msg.data.length === 0 ? {} : msg.json();
  } catch {
    throw new ServiceError("invalid", "the request body is not JSON");
  }
}

/** A value the database refused: the caller's fault, told so; logged, as the contract let it in. */
function refused(error: unknown, log: Logger): ServiceError | undefined {
  const failure = refusedInput(error);
  if (failure) log.warn("the database refused a value of the request", { error });
  return failure;
}

function internal(error: unknown, log: Logger): ServiceError {
  if (error instanceof PayloadTooLarge) {
    // A reply or an event of ours outgrew what NATS carries: our fault, named as such.
    log.error("refused a message over max_payload", { error });
    return new ServiceError("internal", error.message);
  }
  log.error("handler failed", { error });
  return new ServiceError("internal", "internal error");
}

/**
 * Answers `failure` as a NATS services error: its kind's code and its message in headers, its
 * body as data. An error reply over max_payload (a huge message or details) is answered by a
 * short internal error that says so; a message's line breaks, which a header cannot hold,
 * become spaces. Never throws: `answer` must settle, and the caller then times out at worst.
 */
function answerError(msg: RpcMessage, failure: ServiceError, maxPayload: number, log: Logger) {
  try {
    const code = statusOf[failure.kind];
    const description = failure.message.replace(/[\r\n]+/g, " ");
    const body = JSON.stringify(failure.toBody());
    const headers = { [ServiceErrorCodeHeader]: String(code), [ServiceErrorHeader]: description };
    const bytes = oversize(maxPayload, body, headers);
    if (bytes === undefined) return void msg.respondError(code, description, body);
    const refused = new PayloadTooLarge(`an error reply (${failure.kind})`, bytes, maxPayload);
    log.error("refused a message over max_payload", { error: refused });
    const short = new ServiceError("internal", refused.message, undefined, failure.origin);
    msg.respondError(statusOf.internal, short.message, JSON.stringify(short.toBody()));
  } catch (error) {
    log.error("could not answer a request", { error });
  }
}
