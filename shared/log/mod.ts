/**
 * JSON logs, one line per event, so any collector can index service, level, correlationId and,
 * when tracing is on, the traceId and spanId of the work the line is about. Credentials in any
 * URL a line holds (a NATS or database URL, in a field or an error's message) are masked.
 */
import { redactUrl } from "../config/mod.ts";
import { errorSummary } from "../errors/mod.ts";
import { activeTraceIds } from "../telemetry/tracing.ts";
/** How much a line matters; lines below the logger's level are dropped. */
export type LogLevel = "debug" | "info" | "warn" | "error";
/**
 * Fields a line carries besides `time`, `level`, `service` and `msg`; an Error value is written as
 * its `errorSummary`.
 */
export type LogFields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Writes one JSON line per call at its level, with the trace and span ids of the active span,
 * credentials in URLs masked.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines also carry `fields` (a correlationId, an order id). */
  child(fields: LogFields): Logger;
}

/** Whose lines, from which level, and where they go. */
export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where lines go; tests pass an array's push to read them back. */
  write?: (line: string) => void;
}

/**
 * A logger of `service` writing JSON lines at `level` and above (`info` by default) to `write`
 * (`console.log` by default), each carrying `bound`.
 */
export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  return new JsonLogger(
    options.service,
    rank[options.level ?? "info"],
    options.write ?? ((line: string) => console.log(line)),
    bound,
  );
}

/**
 * Methods on the prototype and `child` only remembering its fields: servers build a child per
 * request, and most requests log nothing.
 */
class JsonLogger implements Logger {
  constructor(
    readonly service: string,
    readonly threshold: number,
    readonly write: (line: string) => void,
    readonly bound: LogFields,
    readonly parent?: JsonLogger,
  ) {}

  debug(msg: string, fields?: LogFields) {
    this.#emit("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields) {
    this.#emit("info", msg, fields);
  }
  warn(msg: string, fields?: LogFields) {
    this.#emit("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields) {
    this.#emit("error", msg, fields);
  }

  child(fields: LogFields): Logger {
    return new JsonLogger(this.service, this.threshold, this.write, fields, this);
  }

  /** The fields of this logger and its parents, the nearest winning. */
  #allBound(): LogFields {
    return this.parent ? { ...this.parent.#allBound(), ...this.bound } : this.bound;
  }

  #emit(level: LogLevel, msg: string, fields?: LogFields) {
    if (rank[level] < this.threshold) return;
    const line = {
      time: new Date().toISOString(),
      level,
      service: this.service,
      msg,
      ...activeTraceIds(),
      ...this.#allBound(),
      ...(fields && serializable(fields)),
    };
    this.write(redactUrl(JSON.stringify(line)));
  }
}

/** Errors do not survive JSON.stringify; keep their name and what went wrong (`errorSummary`). */
function serializable(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? errorSummary(value) : value;
  }
  return out;
}
