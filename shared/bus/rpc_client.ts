import { errors, headers, type NatsConnection } from "@nats-io/nats-core";
import type {
  ReplyOf,
  RequestOf,
  RpcEndpoint,
  RpcEndpoints,
  RpcService,
} from "../contracts/mod.ts";
import { errorBody, invalidFields, ServiceError } from "../errors/mod.ts";
import {
  type BreakerRegistry,
  isTransient,
  type RetryPolicy,
  withRetry,
} from "../resilience/mod.ts";
import { context, injectTraceContext, inMessagingSpan, SpanKind } from "../telemetry/mod.ts";
import { budgetHeader, correlationHeader } from "./headers.ts";

export interface CallOptions {
  correlationId?: string;
  /** Epoch ms by which the whole call must be over; the budget left travels with the request. */
  deadline?: number;
  timeoutMs?: number;
}

export type RpcClient<E extends RpcEndpoints> = {
  [K in keyof E]: (request: RequestOf<E[K]>, options?: CallOptions) => Promise<ReplyOf<E[K]>>;
};

export interface ClientOptions {
  /** Upper bound of one attempt's wait, whatever deadline a caller passes. */
  timeoutMs: number;
  /** Breakers shared by every client in the process: one per downstream service. */
  breakers?: BreakerRegistry;
  /** Retries for the endpoints the contract declares idempotent; others are tried once. */
  retry?: RetryPolicy;
}

/**
 * A typed client for a contract: replies are checked against it, failures are ServiceErrors.
 * Calls go through the service's circuit breaker; idempotent ones are retried within the
 * deadline, the others never.
 */
export function rpcClient<E extends RpcEndpoints>(
  nc: NatsConnection,
  contract: RpcService<E>,
  options: ClientOptions,
): RpcClient<E> {
  const client: Record<string, unknown> = {};
  for (const [method, endpoint] of Object.entries(contract.endpoints)) {
    client[method] = (request: unknown, call: CallOptions = {}) =>
      callEndpoint(nc, contract.name, endpoint, request, options, call);
  }
  return client as RpcClient<E>;
}

function callEndpoint(
  nc: NatsConnection,
  service: string,
  endpoint: RpcEndpoint,
  request: unknown,
  options: ClientOptions,
  call: CallOptions,
): Promise<unknown> {
  const checked = endpoint.request.safeParse(request);
  if (!checked.success) return Promise.reject(invalidFields(checked.error));
  const attemptTimeout = call.timeoutMs ?? options.timeoutMs;
  const deadline = call.deadline ?? Date.now() + attemptTimeout;
  const breaker = options.breakers?.for(service);
  const attempt = () => {
    const once = () =>
      inMessagingSpan(
        { operation: "send", destination: endpoint.subject, kind: SpanKind.CLIENT },
        context.active(),
        () => requestOnce(nc, service, endpoint, checked.data, attemptTimeout, deadline, call),
      );
    return breaker ? breaker.call(once, isTransient) : once();
  };
  return endpoint.idempotent && options.retry
    ? withRetry(attempt, options.retry, deadline)
    : attempt();
}

async function requestOnce(
  nc: NatsConnection,
  service: string,
  endpoint: RpcEndpoint,
  request: unknown,
  attemptTimeout: number,
  deadline: number,
  call: CallOptions,
): Promise<unknown> {
  const timeout = Math.min(attemptTimeout, deadline - Date.now());
  if (timeout <= 0) throw new ServiceError("deadline", `no time left to call ${service}`);
  const h = headers();
  h.set(correlationHeader, call.correlationId ?? crypto.randomUUID());
  h.set(budgetHeader, String(Math.floor(timeout)));
  injectTraceContext(h);
  let reply;
  try {
    reply = await nc.request(endpoint.subject, JSON.stringify(request), {
      timeout,
      headers: h,
    });
  } catch (error) {
    throw transportFailure(error, service);
  }
  if (reply.headers?.get("Nats-Service-Error-Code")) {
    const body = errorBody.safeParse(safeJson(reply.data));
    throw body.success
      ? ServiceError.fromBody(body.data)
      : new ServiceError("internal", `${service} answered an error without a body`);
  }
  const parsed = endpoint.reply.safeParse(safeJson(reply.data));
  if (!parsed.success) {
    throw new ServiceError("internal", `${service} answered outside its contract`);
  }
  return parsed.data;
}

function transportFailure(error: unknown, service: string): ServiceError {
  if (error instanceof errors.TimeoutError) {
    return new ServiceError("deadline", `${service} did not answer in time`);
  }
  if (error instanceof errors.RequestError && error.isNoResponders()) {
    return new ServiceError("unavailable", `${service} is not running`);
  }
  return new ServiceError("unavailable", `${service} could not be reached`, {
    cause: error instanceof Error ? error.message : String(error),
  });
}

const decoder = new TextDecoder();

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
}
