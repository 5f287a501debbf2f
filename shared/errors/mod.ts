/**
 * Errors as values with a kind. They cross NATS as a JSON body and are mapped to HTTP in one
 * place, the gateway; nobody parses an error's text to learn what happened.
 */
import * as z from "zod";

/**
 * Every kind an error may have. The gateway maps each to one HTTP status (`statusOf`): invalid 400,
 * unauthorized 401, not_found 404, conflict 409, unprocessable 422, internal 500, unavailable 503,
 * deadline 504.
 */
export const errorKinds = [
  "invalid",
  "unauthorized",
  "not_found",
  "conflict",
  /** Well-formed but contradicting an earlier request (an idempotency key reused). */
  "unprocessable",
  "unavailable",
  "deadline",
  "internal",
] as const;

/** One of `errorKinds`. */
export type ErrorKind = (typeof errorKinds)[number];

/** The wire form of an error reply. */
export const errorBody = z.object({
  kind: z.enum(errorKinds),
  message: z.string(),
  details: z.unknown().optional(),
  /** The service the error arose in (see `ServiceError.origin`); absent from older senders. */
  origin: z.string().max(100).optional(),
});
/** An error reply as `errorBody` describes it. */
export type ErrorBody = z.infer<typeof errorBody>;

/**
 * An error with a `kind`, a message for people, optional `details` for programs (the invalid
 * fields, `retryAfterMs`) and the `origin` service; it crosses NATS as its `toBody()` and is
 * rebuilt with `fromBody`.
 */
export class ServiceError extends Error {
  override name = "ServiceError";
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details?: unknown,
    /**
     * The service the error arose in, kept as the error is passed back through its callers: a
     * caller's circuit breaker counts only its own service's failures (resilience/breaker.ts),
     * and a client is told which hop failed. Set by the RPC server that answers it when the
     * handler left it unset, by the RPC client for a hop that did not answer (the callee), and
     * `nats` when the connection to NATS itself is down.
     */
    public origin?: string,
  ) {
    super(message);
  }

  /** The wire form, for an error reply. */
  toBody(): ErrorBody {
    return { kind: this.kind, message: this.message, details: this.details, origin: this.origin };
  }

  /** The error a wire form describes. */
  static fromBody(body: ErrorBody): ServiceError {
    return new ServiceError(body.kind, body.message, body.details, body.origin);
  }
}

/** Field-level details of a failed validation, in the shape a client can show next to a field. */
export function invalidFields(error: z.ZodError): ServiceError {
  return new ServiceError(
    "invalid",
    "the request is not valid",
    error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
  );
}

/** The HTTP status of each kind; also the NATS service error code, so `nats micro` tools read it. */
export const statusOf: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
  deadline: 504,
  internal: 500,
};

/**
 * What went wrong, for a log line, a span or a dead letter's reason, without the values a
 * statement carried. Drizzle's "Failed query" message lists the statement's parameters, and with
 * them whatever an event or a row holds (an email address); the driver's error it wraps says what
 * failed. So: the name and message of the innermost error (the wrapper's message when that one
 * has none), its SQLSTATE or other `code`, and the wrapper's `query`, the SQL text alone.
 */
export interface ErrorSummary {
  name: string;
  message: string;
  code?: string;
  query?: string;
}

/**
 * The `ErrorSummary` of `error` (any value: a non-Error is its `String`), looking at most four
 * `cause`s deep.
 */
export function errorSummary(error: unknown): ErrorSummary {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  let root: Error = error;
  for (let depth = 0; depth < 4 && root.cause instanceof Error; depth++) root = root.cause;
  const summary: ErrorSummary = { name: root.name, message: root.message || error.message };
  const { code } = root as { code?: unknown };
  if (typeof code === "string") summary.code = code;
  const { query } = error as { query?: unknown };
  if (root !== error && typeof query === "string") summary.query = query;
  return summary;
}

/** `errorSummary` in one line: "PostgresError 23505: duplicate key value violates ...". */
export function errorText(error: unknown): string {
  const { name, code, message } = errorSummary(error);
  return `${name}${code ? ` ${code}` : ""}: ${message}`;
}
