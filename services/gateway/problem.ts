/**
 * Every error the gateway answers is `application/problem+json` (RFC 9457) with the request's
 * correlation id and a `kind`. The one place where error kinds become HTTP statuses.
 */
import { JetStreamApiError } from "@nats-io/jetstream";
import { errors as natsErrors } from "@nats-io/nats-core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorKinds, ServiceError, statusOf } from "../../shared/errors/mod.ts";
import type { GatewayEnv } from "./context.ts";

/**
 * The `kind` of every error a client can see: the services' kinds (shared/errors), and those
 * only the gateway answers, which never cross NATS: a refused role, a method the path does not
 * take, a body too large, too slow to arrive or of another media type, a rate limit.
 */
export const problemKinds = [
  ...errorKinds,
  "forbidden",
  "method_not_allowed",
  "request_timeout",
  "payload_too_large",
  "unsupported_media_type",
  "rate_limited",
] as const;
export type ProblemKind = (typeof problemKinds)[number];

/**
 * The kind of an error that names none (a 404 of an unknown route, Hono's 400 for malformed
 * JSON): every status the gateway answers has one, so no error goes out without a kind.
 */
export const kindOfStatus: Record<number, ProblemKind> = {
  400: "invalid",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  408: "request_timeout",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "unprocessable",
  429: "rate_limited",
  500: "internal",
  503: "unavailable",
  504: "deadline",
};

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * A problem+json answer. `extra.kind` names the error; without it, the status's kind
 * (`kindOfStatus`). A 503 or 429 without a `Retry-After` set before gets one of 1 second:
 * a client told to come back is always told when (RFC 9110 §10.2.3); a 401, its
 * `WWW-Authenticate`.
 */
export function problem(
  c: Context,
  status: ContentfulStatusCode,
  detail: string,
  extra: { kind?: ProblemKind; [field: string]: unknown } = {},
): Response {
  const body = {
    type: "about:blank",
    title: titles[status] ?? "Error",
    status,
    detail,
    correlationId: c.get("requestId") as string | undefined,
    ...extra,
    kind: extra.kind ?? kindOfStatus[status] ?? (status >= 500 ? "internal" : "invalid"),
  };
  const res = c.body(JSON.stringify(body), status, {
    "content-type": "application/problem+json",
  });
  if ((status === 503 || status === 429) && !res.headers.has("retry-after")) {
    res.headers.set("Retry-After", "1");
  }
  // A 401 says how to authenticate (RFC 9110 §11.6.1), a wrong password at login included.
  if (status === 401 && !res.headers.has("www-authenticate")) {
    res.headers.set("WWW-Authenticate", 'Bearer realm="api"');
  }
  return res;
}

/** Seconds a client should wait before trying again: an open breaker knows, else one. */
function retryAfterSeconds(error: ServiceError): string {
  const ms = (error.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
  return String(typeof ms === "number" ? Math.max(1, Math.ceil(ms / 1000)) : 1);
}

/**
 * NATS or JetStream failing under a route that uses them directly (the admin routes): not the
 * client's fault, and a failure the gateway can name, so 503 with Retry-After (or JetStream's
 * own 404), never a 500.
 */
function natsFailure(error: Error): ServiceError | undefined {
  if (error instanceof JetStreamApiError) {
    if (error.status === 404) return new ServiceError("not_found", error.message);
    if (error.status === 503) return new ServiceError("unavailable", "JetStream is unavailable");
    return undefined;
  }
  const unavailable = [
    natsErrors.TimeoutError,
    natsErrors.NoRespondersError,
    natsErrors.ClosedConnectionError,
    natsErrors.DrainingConnectionError,
    natsErrors.ConnectionError,
    natsErrors.RequestError,
  ].some((type) => error instanceof type);
  return unavailable
    ? new ServiceError("unavailable", "NATS did not answer", undefined, "nats")
    : undefined;
}

export function errorToProblem(error: Error, c: Context<GatewayEnv>): Response {
  if (error instanceof ServiceError) return serviceProblem(error, c);
  const fromNats = natsFailure(error);
  if (fromNats) return serviceProblem(fromNats, c);
  if (error instanceof HTTPException) {
    return problem(c, error.status as ContentfulStatusCode, error.message || "request refused");
  }
  c.var.log?.error("unhandled error", { error });
  return problem(c, 500, "internal error");
}

function serviceProblem(error: ServiceError, c: Context<GatewayEnv>): Response {
  const status = statusOf[error.kind] as ContentfulStatusCode;
  if (error.kind === "unavailable") c.header("Retry-After", retryAfterSeconds(error));
  if (status >= 500) c.var.log.warn("downstream failure", { kind: error.kind, error });
  const extra: { kind: ProblemKind; [field: string]: unknown } = { kind: error.kind };
  if (error.kind === "invalid" && Array.isArray(error.details)) extra.errors = error.details;
  else if (error.details !== undefined && status < 500) extra.details = error.details;
  // Which service failed: the hop that did not answer, not the first one on the way.
  if (error.origin !== undefined) extra.origin = error.origin;
  return problem(c, status, error.kind === "internal" ? "internal error" : error.message, extra);
}
