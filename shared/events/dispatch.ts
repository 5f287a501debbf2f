/**
 * From a stream message to a service's handler, once: parse the envelope, pick the handler by
 * type and version, validate, and run it in one transaction with the inbox row (a batch of
 * events: one transaction for all of them). The live consumer, a replay, a rebuild and a dead
 * letter's re-drive all deliver through this, so a replayed event meets exactly the rules a
 * live one does.
 */
import type { MsgHdrs } from "@nats-io/nats-core";
import { eq } from "drizzle-orm";
import type * as z from "zod";
import type { Database } from "../db/client.ts";
import { type Envelope, envelope } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";
import { extractTraceContext, inMessagingSpan, SpanKind } from "../telemetry/mod.ts";
import type { OutboxTable } from "../outbox/mod.ts";
import { faultsArmed } from "../faults/mod.ts";
import { afterCommit, beforeCommit } from "./fault_points.ts";
import { type EventHandler, handlerContext } from "./handler.ts";
import { runOnDeadLetter } from "./given_up.ts";
import { handleEachOnce, type InboxEntry, type InboxTable } from "./inbox.ts";
import { orderingKey } from "./ordering.ts";
import { readPayload } from "./payload.ts";

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

/** The service whose handlers a dispatcher runs, and where it records what it applied. */
export interface DispatcherOptions {
  service: string;
  handlers: EventHandler[];
  db: Database;
  inbox: InboxTable;
  log: Logger;
  /**
   * The outbox the handlers' `publish` writes into, as `service`; without it, a handler's
   * `publish` rejects (the service publishes nothing).
   */
  outbox?: OutboxTable;
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

/**
 * Delivers stream messages to a service's handlers exactly once each, through its inbox: the live
 * consumer, a replay and a redrive share it.
 */
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
  /**
   * `message` is given up on (a dead letter): runs its handler's `onDeadLetter`, if any, in a
   * transaction of its own (given_up.ts). Throws what that throws.
   */
  givenUp(message: StreamMessage, reason: string): Promise<void>;
}

/**
 * A dispatcher for `options.handlers`, chosen by event type and version (`<type>@<version>`; a
 * version without a handler is `ignored`). A message that is no valid envelope, or whose data fails
 * the handler's schema, is `invalid` (never retried); one whose id the inbox holds is a
 * `duplicate`; else the handler runs in the transaction that writes its inbox row, its `publish`
 * writing into `outbox` as `service`, caused by the event (`handlerContext`), and `afterCommit`
 * is told of that transaction.
 */
export function eventDispatcher(options: DispatcherOptions): Dispatcher {
  const { db, inbox, log } = options;
  // By type and version: a v2 of a fact is another contract, which an old consumer ignores
  // while the producer publishes both (docs/architecture.md, "Dispatch").
  const handlers = new Map(options.handlers.map((h) => [`${h.event.type}@${h.event.version}`, h]));

  async function deliverAll(
    messages: StreamMessage[],
    { db: within = db }: { db?: Database } = {},
  ): Promise<Delivery[]> {
    const { deliveries, handled } = sortOut(messages, handlers);
    if (handled.length === 0) return deliveries;
    const outcomes = await handleEachOnce(
      within,
      inbox,
      handled,
      (tx, item) => apply(options, tx, item, messages[item.index]),
      // Only a transaction of our own commits: one `within` another is a savepoint.
      within === db ? options.afterCommit : undefined,
      options.independentKeys ? (item) => orderingKey(item.envelope) : undefined,
    );
    // Committed, not yet acked: only a transaction of our own commits.
    if (faultsArmed() && within === db) await afterCommit(options.service, handled, outcomes);
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

    givenUp(message, reason) {
      const resolved = resolve(handlers, message);
      return resolved.kind === "handled"
        ? runOnDeadLetter(options, resolved, reason)
        : Promise.resolve();
    },

    async plan(message) {
      const resolved = resolve(handlers, message);
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

type Handled = { kind: "handled"; envelope: Envelope; handler: EventHandler; event: unknown };
type Resolved =
  | { kind: "invalid"; reason: string; envelope?: Envelope }
  | { kind: "ignored"; envelope: Envelope }
  | Handled;

/** What a message is to this service: invalid, someone else's (ignored), or its handler's. */
function resolve(handlers: Map<string, EventHandler>, message: StreamMessage): Resolved {
  const payload = readPayload(message.data);
  if ("problem" in payload) return { kind: "invalid", reason: payload.problem };
  const parsed = envelope.safeParse(payload.value);
  if (!parsed.success) {
    const reason = `not an event: ${payload.utf8 ? "" : "not UTF-8, "}${issues(parsed.error)}`;
    return { kind: "invalid", reason };
  }
  const handler = handlers.get(`${parsed.data.type}@${parsed.data.version}`);
  if (!handler) return { kind: "ignored", envelope: parsed.data };
  if (!payload.utf8) {
    // The decoder put U+FFFD where the bytes were: applying it would store other text.
    const reason = `invalid ${parsed.data.type}: not UTF-8 (some bytes are no UTF-8 character)`;
    return { kind: "invalid", reason, envelope: parsed.data };
  }
  const event = handler.event.schema.safeParse(parsed.data);
  if (!event.success) {
    const reason = `invalid ${parsed.data.type}: ${issues(event.error)}`;
    return { kind: "invalid", reason, envelope: parsed.data };
  }
  return { kind: "handled", handler, envelope: parsed.data, event: event.data };
}

/**
 * The deliveries already known (invalid, ignored) by the message's index, and the messages for a
 * handler, with their inbox entries.
 */
function sortOut(messages: StreamMessage[], handlers: Map<string, EventHandler>) {
  const deliveries: Delivery[] = [];
  const handled: (Handled & InboxEntry & { index: number })[] = [];
  messages.forEach((message, index) => {
    const resolved = resolve(handlers, message);
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
  return { deliveries, handled };
}

/** Runs one event's handler in the batch's transaction, in a span under its producer's. */
function apply(
  { service, outbox, log }: DispatcherOptions,
  tx: Database,
  item: Handled,
  message: StreamMessage,
): Promise<void> {
  const { envelope } = item;
  // The ordering key as its producer declares it: the kit reads no business field itself.
  const eventLog = log.child({
    correlationId: envelope.correlationId,
    eventId: envelope.id,
    eventType: envelope.type,
    orderingKey: orderingKey(envelope),
  });
  const handled = inMessagingSpan(
    {
      operation: "process",
      destination: message.subject,
      kind: SpanKind.CONSUMER,
      messageId: envelope.id,
      consumerGroup: service,
    },
    extractTraceContext(message.headers),
    () =>
      item.handler.handle(
        item.event as never,
        handlerContext(tx, envelope, { service, outbox, log: eventLog }),
      ),
  );
  return faultsArmed() ? beforeCommit(service, envelope.type, handled) : handled;
}

/** `missing id, type; data.totalCents: Too small: ...`: what an operator needs, briefly. */
function issues(error: z.ZodError): string {
  const missing = error.issues.filter((issue) => /received undefined$/.test(issue.message))
    .map((issue) => issue.path.join(".") || "(root)");
  const other = error.issues.filter((issue) => !/received undefined$/.test(issue.message))
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
  return [...(missing.length ? [`missing ${missing.join(", ")}`] : []), ...other].join("; ");
}
