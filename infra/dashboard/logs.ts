/**
 * The dev runner's log store: every line the services print (shared/log writes one JSON object
 * per line), kept in memory, bounded, for the dashboard's Logs page to filter and tail. A line
 * that is not a JSON object (a stack trace, nats-server's own output) is kept as text.
 */
import type { LogLevel } from "../../shared/log/mod.ts";

/** One line as kept. `time` in milliseconds since the epoch. */
export interface LogEntry {
  /** Increases by one per line appended: a tail asks for what came after the last it saw. */
  seq: number;
  /** The process that printed it (as the dev runner names it: `orders`, `orders#2`). */
  service: string;
  /** The line's own time, or when it was appended if it has none. */
  time: number;
  /** Absent on a line that is not one of shared/log's. */
  level?: LogLevel;
  msg: string;
  correlationId?: string;
  orderId?: string;
  traceId?: string;
  spanId?: string;
  /** The line's other fields. */
  fields: Record<string, unknown>;
}

/** What `query` keeps; each filter given must match. */
export interface LogQuery {
  service?: string;
  /** This level and above (`warn`: warn and error); text lines never match a level. */
  level?: LogLevel;
  correlationId?: string;
  orderId?: string;
  traceId?: string;
  /** Only lines appended after this `seq`. */
  after?: number;
  /** At most this many (the latest); 200 by default. */
  limit?: number;
}

export const logLevels: readonly LogLevel[] = ["debug", "info", "warn", "error"];
const rank = (level: LogLevel | undefined) => (level ? logLevels.indexOf(level) : -1);
/** Fields that have a place of their own in an entry. */
const placed = new Set([
  "time",
  "level",
  "service",
  "msg",
  "correlationId",
  "orderId",
  "traceId",
  "spanId",
]);
const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

/** The latest `maxLines` lines (10,000 by default) of every process, oldest dropped first. */
export class LogStore {
  readonly #lines: LogEntry[] = [];
  readonly #max: number;
  #seq = 0;

  constructor(maxLines = 10_000, readonly now: () => number = Date.now) {
    this.#max = maxLines;
  }

  /** The `seq` of the latest line, 0 before any. */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Keeps `line` (one line of `service`'s output, without its newline); blank lines are not. */
  append(service: string, line: string): void {
    const trimmed = line.trim();
    if (trimmed === "") return;
    this.#lines.push(this.#parse(service, trimmed));
    // Trimmed in chunks: one splice per tenth of the limit, not one per line.
    if (this.#lines.length > this.#max + Math.ceil(this.#max / 10)) {
      this.#lines.splice(0, this.#lines.length - this.#max);
    }
  }

  /** The latest lines matching every filter of `query`, oldest first. */
  query(query: LogQuery = {}): LogEntry[] {
    const limit = query.limit ?? 200;
    const least = query.level ? rank(query.level) : -1;
    const found: LogEntry[] = [];
    for (let i = this.#lines.length - 1; i >= 0 && found.length < limit; i--) {
      const entry = this.#lines[i];
      if (query.after !== undefined && entry.seq <= query.after) break;
      if (query.service && entry.service !== query.service) continue;
      if (least >= 0 && rank(entry.level) < least) continue;
      if (query.correlationId && entry.correlationId !== query.correlationId) continue;
      if (query.orderId && entry.orderId !== query.orderId) continue;
      if (query.traceId && entry.traceId !== query.traceId) continue;
      found.push(entry);
    }
    return found.reverse();
  }

  /** The trace ids of the lines about order `orderId`, earliest first: its saga's traces. */
  traceIdsOfOrder(orderId: string): string[] {
    const ids = new Set<string>();
    for (const entry of this.#lines) {
      if (entry.orderId === orderId && entry.traceId) ids.add(entry.traceId);
    }
    return [...ids];
  }

  /** Every process that printed a line still held, sorted. */
  services(): string[] {
    return [...new Set(this.#lines.map((entry) => entry.service))].sort();
  }

  #parse(service: string, line: string): LogEntry {
    const seq = ++this.#seq;
    let parsed: unknown;
    if (line.startsWith("{")) {
      try {
        parsed = JSON.parse(line);
      } catch {
        // A line that only looks like JSON: kept as text.
      }
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      return { seq, service, time: this.now(), msg: line, fields: {} };
    }
    const record = parsed as Record<string, unknown>;
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) if (!placed.has(key)) fields[key] = value;
    const time = Date.parse(String(record.time));
    const level = logLevels.find((l) => l === record.level);
    return {
      seq,
      service,
      time: Number.isNaN(time) ? this.now() : time,
      ...(level ? { level } : {}),
      msg: typeof record.msg === "string" ? record.msg : line,
      ...optional("correlationId", text(record.correlationId)),
      ...optional("orderId", text(record.orderId)),
      ...optional("traceId", text(record.traceId)),
      ...optional("spanId", text(record.spanId)),
      fields,
    };
  }
}

const optional = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
