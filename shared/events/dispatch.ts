/**
 * From a stream message to a service's handler, once: parse the envelope, pick the handler by
 * type and version, validate, and run it in one transaction with the inbox row (a batch of
 * events: one transaction for all of them). The live consumer, a replay, a rebuild and a dead
 * letter's re-drive all deliver through this, so a replayed event meets exactly the rules a
 * live one does.
 */
import type { MsgHdrs } from "@nats-io/nats-core";
import { eq } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "../../db/client.ts";
import { type Envelope, envelope } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";
import { extractTraceContext, inMessagingSpan, SpanKind } from "../telemetry/mod.ts";
import type { EventHandler } from "./handler.ts";
import { handleEachOnce, type InboxEntry, type InboxTable } from "./inbox.ts";
import { orderingKey } from "./ordering.ts";

/** What a stream message offers, whether consumed, fetched by sequence or copied. */
export interface StreamMessage {
  subject: string;
  data: Uint8Array;
  headers?: MsgHdrs;
  json<T>(): T;
  /** Where it was read (a consumed or replayed message): recorded in the inbox with the event. */
  info?: { stream: string; streamSequence: number };
}

/** What became of one delivery. */
export type Delivery =
  | { outcome: "applied" | "duplicate"; event: Envelope }
  /** Someone else's fact, or a version this service does not read. */
  | { outcome: "ignored"; event: Envelope }
  /** Not a valid event for this service: handling it again cannot help. */
  | { outcome: "invalid"; reason: string; event?: Envelope };

/** What a delivery would do, without doing it (a dry run). */
export type Plan = "apply" | "skip" | "ignore" | "invalid";

export interface DispatcherOptions {
  service: string;
  handlers: EventHandler[];
  db: Database;
  inbox: InboxTable;
  log: Logger;
  /** Told of each transaction that applied events (to publish what it wrote to the outbox). */
  afterCommit?: (tx: Database) => void;
  /**
   * The handlers, given events of different ordering keys, never touch the same rows: a batch
   * then applies the keys side by side in its transaction, their statements sent together.
   * Leave it off when a handler reads what another key's event writes (catalog's stock): one
   * transaction's statements do not wait for each other's row locks.
   */
  independentKeys?: boolean;
}

export interface Dispatcher {
  /** Delivers `message` to its handler once; throws what the handler threw. */
  deliver(message: StreamMessage, options?: { db?: Database }): Promise<Delivery>;
  /**
   * Delivers each message to its handler once, in the given order (with `independentKeys`:
   * within each ordering key), all in one transaction:
   * one delivery per message, or the first handler's error, and then nothing was applied.
   */
  deliverAll(messages: StreamMessage[], options?: { db?: Database }): Promise<Delivery[]>;
  /** Says what `deliver` would do with `message` now. */
  plan(message: StreamMessage): Promise<{ plan: Plan; event?: Envelope; reason?: string }>;
}

export function eventDispatcher(options: DispatcherOptions): Dispatcher {
  const { service, db, inbox, log } = options;
  // By type and version: a v2 of a fact is another contract, which an old consumer ignores
  // while the producer publishes both (see README, "Event versions").
  const handlers = new Map(options.handlers.map((h) => [`${h.event.type}@${h.event.version}`, h]));

  type Handled = { kind: "handled"; envelope: Envelope; handler: EventHandler; event: unknown };
  type Resolved =
    | { kind: "invalid"; reason: string; envelope?: Envelope }
    | { kind: "ignored"; envelope: Envelope }
    | Handled;

  function resolve(message: StreamMessage): Resolved {
    const parsed = envelope.safeParse(safeJson(message));
    if (!parsed.success) {
      return { kind: "invalid", reason: `not an event: ${issues(parsed.error)}` };
    }
    const handler = handlers.get(`${parsed.data.type}@${parsed.data.version}`);
    if (!handler) return { kind: "ignored", envelope: parsed.data };
    const event = handler.event.schema.safeParse(parsed.data);
    if (!event.success) {
      const reason = `invalid ${parsed.data.type}: ${issues(event.error)}`;
      return { kind: "invalid", reason, envelope: parsed.data };
    }
    return { kind: "handled", handler, envelope: parsed.data, event: event.data };
  }

  /** Runs one event's handler in the batch's transaction, in a span under its producer's. */
  function apply(tx: Database, item: Handled, message: StreamMessage): Promise<void> {
    const { envelope } = item;
    const orderId = (envelope.data as { orderId?: unknown } | null)?.orderId;
    const eventLog = log.child({
      correlationId: envelope.correlationId,
      eventId: envelope.id,
      eventType: envelope.type,
      ...(typeof orderId === "string" ? { orderId } : {}),
    });
    return inMessagingSpan(
      {
        operation: "process",
        destination: message.subject,
        kind: SpanKind.CONSUMER,
        messageId: envelope.id,
        consumerGroup: service,
      },
      extractTraceContext(message.headers),
      () => item.handler.handle(item.event as never, { tx, log: eventLog }),
    );
  }

  async function deliverAll(
    messages: StreamMessage[],
    { db: within = db }: { db?: Database } = {},
  ): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    const handled: (Handled & InboxEntry & { index: number })[] = [];
    messages.forEach((message, index) => {
      const resolved = resolve(message);
      if (resolved.kind === "invalid") {
        deliveries[index] = {
          outcome: "invalid",
          reason: resolved.reason,
          event: resolved.envelope,
        };
      } else if (resolved.kind === "ignored") {
        deliveries[index] = { outcome: "ignored", event: resolved.envelope };
      } else {
        handled.push({
          ...resolved,
          id: resolved.envelope.id,
          type: resolved.envelope.type,
          stream: message.info?.stream,
          streamSeq: message.info?.streamSequence,
          index,
        });
      }
    });
    if (handled.length === 0) return deliveries;
    const outcomes = await handleEachOnce(
      within,
      inbox,
      handled,
      (tx, item) => apply(tx, item, messages[item.index]),
      // Only a transaction of our own commits: one `within` another is a savepoint.
      within === db ? options.afterCommit : undefined,
      options.independentKeys ? (item) => orderingKey(item.envelope) : undefined,
    );
    handled.forEach((item, n) => {
      if (outcomes[n] === "duplicate") {
        log.debug("duplicate event skipped", { eventId: item.id, eventType: item.type });
      }
      deliveries[item.index] = { outcome: outcomes[n], event: item.envelope };
    });
    return deliveries;
  }

  return {
    deliverAll,
    async deliver(message, options) {
      const [delivery] = await deliverAll([message], options);
      return delivery;
    },

    async plan(message) {
      const resolved = resolve(message);
      if (resolved.kind === "invalid") {
        return { plan: "invalid", reason: resolved.reason, event: resolved.envelope };
      }
      if (resolved.kind === "ignored") return { plan: "ignore", event: resolved.envelope };
      const [seen] = await db.select({ id: inbox.eventId }).from(inbox)
        .where(eq(inbox.eventId, resolved.envelope.id));
      return { plan: seen ? "skip" : "apply", event: resolved.envelope };
    },
  };
}

function safeJson(message: StreamMessage): unknown {
  try {
    return message.json();
  } catch {
    return undefined;
  }
}

/** `missing id, type; data.totalCents: Too small: ...`: what an operator needs, briefly. */
function issues(error: z.ZodError): string {
  const missing = error.issues.filter((issue) => /received undefined$/.test(issue.message))
    .map((issue) => issue.path.join("."));
  const other = error.issues.filter((issue) => !/received undefined$/.test(issue.message))
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
  return [...(missing.length ? [`missing ${missing.join(", ")}`] : []), ...other].join("; ");
}
