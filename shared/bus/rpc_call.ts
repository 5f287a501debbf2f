/**
 * One call of an endpoint: the request checked against the contract, each attempt given the
 * deadline's remaining time and a smaller budget for the callee, through the service's breaker,
 * retried within the deadline when the endpoint is idempotent; the reply checked against the
 * contract, and every failure a `ServiceError`.
 */
import { errors, type Msg, type MsgHdrs, type NatsConnection } from "@nats-io/nats-core";
import { ServiceError as FrameworkServiceError } from "@nats-io/services";
import type { RpcEndpoint } from "../contracts/mod.ts";
import { errorBody, invalidFields, ServiceError } from "../errors/mod.ts";
import {
  type BreakerRegistry,
  type CircuitBreaker,
  countsAgainst,
  type RetryPolicy,
  withRetry,
} from "../resilience/mod.ts";
import {
  context,
  injectTraceContext,
  inMessagingSpan,
  SpanKind,
  tracing,
} from "../telemetry/mod.ts";
import { closing, natsDown, natsOrigin } from "./connection_status.ts";
import { calleeBudgetMs, encodedRequest, requestHeaders } from "./headers.ts";
import { repliesOn } from "./replies.ts";

/** What one call carries besides its request. */
export interface CallOptions {
  /** Sent in the `correlation-id` header; a fresh UUID when none is given. */
  correlationId?: string;
  /** Epoch ms by which the whole call must be over; the budget left travels with the request. */
  deadline?: number;
  /** The longest one attempt may wait, in ms, at most the client's `timeoutMs`. */
  timeoutMs?: number;
  /**
   * True: this call may be repeated though its endpoint is not idempotent, so it is retried as an
   * idempotent one is (a `placeOrder` that carries an idempotency key answers a repeat with the
   * same order). Default: what the endpoint declares.
   */
  idempotent?: boolean;
}

/** How a client's calls wait, break and retry. */
export interface ClientOptions {
  /** Upper bound of one attempt's wait, whatever deadline a caller passes. */
  timeoutMs: number;
  /** Breakers shared by every client in the process: one per downstream service. */
  breakers?: BreakerRegistry;
  /** Retries for the endpoints the contract declares idempotent; others are tried once. */
  retry?: RetryPolicy;
}

/** One call's fixed parts, shared by its attempts. */
interface Call {
  nc: NatsConnection;
  service: string;
  endpoint: RpcEndpoint;
  /** The checked request, encoded once for every attempt. */
  body: string;
  attemptTimeout: number;
  deadline: number;
  correlationId?: string;
  breaker?: CircuitBreaker;
}

/**
 * Calls `endpoint` of `service` with `request` (see `rpcClient` for the errors it rejects with).
 */
export function callEndpoint(
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
  const outgoing: Call = {
    nc,
    service,
    endpoint,
    body: JSON.stringify(checked.data),
    attemptTimeout,
    deadline: call.deadline ?? Date.now() + attemptTimeout,
    correlationId: call.correlationId,
    breaker: options.breakers?.for(service),
  };
  // With tracing off no span is built, not even a no-op one: this runs on every request.
  const attempt = tracing()
    ? () =>
      inMessagingSpan(
        { operation: "send", destination: endpoint.subject, kind: SpanKind.CLIENT },
        context.active(),
        () => requestOnce(outgoing),
      )
    : () => requestOnce(outgoing);
  return (call.idempotent ?? endpoint.idempotent) && options.retry
    ? withRetry(attempt, options.retry, outgoing.deadline)
    : attempt();
}

/**
 * One attempt, through the breaker: `enter`/`leave` rather than `breaker.call`, one await
 * fewer per request. A deadline already passed and NATS being down fail before the breaker is
 * asked, counted against no one; of the other outcomes, the breaker counts the service's own
 * failures (`countsAgainst`), and a call cut off by NATS going down counts for nothing.
 */
async function requestOnce(call: Call): Promise<unknown> {
  const { nc, service, endpoint, breaker } = call;
  const { timeout, headers } = requestOptions(call);
  if (closing(nc)) throw natsDown("the connection to NATS is closed");
  const replies = repliesOn(nc);
  replies.checkConnected();
  const trial = breaker?.enter() ?? false;
  try {
    let reply: Msg;
    try {
      const sent = encodedRequest(headers, call.body);
      reply = await replies.request(endpoint.subject, sent.data, sent.headers, timeout);
    } catch (error) {
      throw transportFailure(error, service);
    }
    const result = checkedReply(reply, service, endpoint);
    breaker?.leave(trial, false);
    return result;
  } catch (error) {
    if (error instanceof ServiceError && error.origin === natsOrigin) breaker?.release(trial);
    else breaker?.leave(trial, countsAgainst(service, error));
    throw error;
  }
}

/**
 * The attempt's wait and headers: the correlation id, the callee's budget (less than the wait,
 * see `calleeBudgetMs`), trace context.
 */
function requestOptions(call: Call): { timeout: number; headers: MsgHdrs } {
  const timeout = Math.min(call.attemptTimeout, call.deadline - Date.now());
  if (timeout <= 0) {
    // Named after the hop it was for, so that a caller further up blames this hop, not us.
    throw new ServiceError(
      "deadline",
      `no time left to call ${call.service}`,
      undefined,
      call.service,
    );
  }
  const h = requestHeaders(call.correlationId ?? crypto.randomUUID(), calleeBudgetMs(timeout));
  injectTraceContext(h);
  return { timeout, headers: h };
}

function checkedReply(reply: Msg, service: string, endpoint: RpcEndpoint): unknown {
  // The services framework's `Nats-Service-Error-Code` header: the reply is an error.
  if (FrameworkServiceError.isServiceError(reply)) {
    const body = errorBody.safeParse(safeJson(reply.data));
    throw body.success ? ServiceError.fromBody(body.data) : new ServiceError(
      "internal",
      `${service} answered an error without a body`,
      undefined,
      service,
    );
  }
  const parsed = endpoint.reply.safeParse(safeJson(reply.data));
  if (!parsed.success) {
    throw new ServiceError(
      "internal",
      `${service} answered outside its contract`,
      undefined,
      service,
    );
  }
  return parsed.data;
}

/** What the hop's own failure means, with the callee as its origin; a ServiceError as it is. */
function transportFailure(error: unknown, service: string): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof errors.TimeoutError) {
    return new ServiceError("deadline", `${service} did not answer in time`, undefined, service);
  }
  if (error instanceof errors.NoRespondersError) {
    return new ServiceError("unavailable", `${service} is not running`, undefined, service);
  }
  if (
    error instanceof errors.ClosedConnectionError ||
    error instanceof errors.DrainingConnectionError
  ) {
    return natsDown("the connection to NATS is closed");
  }
  // The request could not be sent at all (too big for max_payload, a bad subject): ours.
  return new ServiceError("internal", `the request to ${service} could not be sent`, {
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
