/**
 * JSON logs, one line per event, so any collector can index service, level, correlationId and,
 * when tracing is on, the traceId and spanId of the work the line is about.
 */
import { activeTraceIds } from "../telemetry/tracing.ts";
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines also carry `fields` (a correlationId, an order id). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where lines go; tests pass an array's push to read them back. */
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const threshold = rank[options.level ?? "info"];
  const write = options.write ?? ((line: string) => console.log(line));
  const emit = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (rank[level] < threshold) return;
    const line = {
      time: new Date().toISOString(),
      level,
      service: options.service,
      msg,
      ...activeTraceIds(),
      ...bound,
      ...(fields && serializable(fields)),
    };
    write(JSON.stringify(line));
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** Errors do not survive JSON.stringify; keep their name and message. */
function serializable(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message } : value;
  }
  return out;
}
