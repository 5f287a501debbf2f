/**
 * Every error the gateway answers is `application/problem+json` (RFC 9457) with the request's
 * correlation id. The one place where error kinds become HTTP statuses.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type ErrorKind, ServiceError, statusOf } from "../../shared/errors/mod.ts";
import type { GatewayEnv } from "./env.ts";

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function problem(
  c: Context,
  status: ContentfulStatusCode,
  detail: string,
  extra: Record<string, unknown> = {},
): Response {
  const body = {
    type: "about:blank",
    title: titles[status] ?? "Error",
    status,
    detail,
    correlationId: c.get("requestId") as string | undefined,
    ...extra,
  };
  return c.body(JSON.stringify(body), status, { "content-type": "application/problem+json" });
}

/** Seconds a client should wait before trying again: an open breaker knows, else one. */
function retryAfterSeconds(error: ServiceError): string {
  const ms = (error.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
  return String(typeof ms === "number" ? Math.max(1, Math.ceil(ms / 1000)) : 1);
}

export function errorToProblem(error: Error, c: Context<GatewayEnv>): Response {
  if (error instanceof ServiceError) return serviceProblem(error, c);
  if (error instanceof HTTPException) {
    if (error.status === 401) c.header("WWW-Authenticate", 'Bearer realm="api"');
    return problem(c, error.status as ContentfulStatusCode, error.message || "request refused");
  }
  c.var.log?.error("unhandled error", { error });
  return problem(c, 500, "internal error");
}

function serviceProblem(error: ServiceError, c: Context<GatewayEnv>): Response {
  const status = statusOf[error.kind] as ContentfulStatusCode;
  if (error.kind === "unavailable") c.header("Retry-After", retryAfterSeconds(error));
  if (status >= 500) c.var.log.warn("downstream failure", { kind: error.kind, error });
  const extra: Record<string, unknown> = { kind: error.kind satisfies ErrorKind };
  if (error.kind === "invalid" && Array.isArray(error.details)) extra.errors = error.details;
  else if (error.details !== undefined && status < 500) extra.details = error.details;
  return problem(c, status, error.kind === "internal" ? "internal error" : error.message, extra);
}
