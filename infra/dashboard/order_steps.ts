/**
 * An order's saga as the streams hold it, for the Orders page: the latest orders (from ORDERS),
 * and one order's events in the order they happened, each with the service that stated it, the
 * services the declared saga (shared/contracts/order_saga.ts) says handle it, and its trace (the
 * `traceparent` the event was published with). Read through the operator's own ordered
 * consumers: nobody's durable position moves.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { orderSaga } from "../../shared/contracts/order_saga.ts";
import { sagaReactions } from "../../shared/contracts/saga.ts";
import type { StreamEntry } from "../../shared/operator/mod.ts";
import { readIfExists } from "./read_if_exists.ts";

/** One event of an order's saga. `at`: when it happened (ISO 8601). */
export interface OrderStep {
  /** The event's id (its `Nats-Msg-Id`): what a handler's log lines name as `eventId`. */
  id: string;
  type: string;
  at: string;
  /** The service that stated it (the envelope's source). */
  source: string;
  /** The services the saga declares as reacting to it, with how (step, compensation, observer). */
  handledBy: { service: string; kinds: string[] }[];
  stream: string;
  seq: number;
  /** From the message's `traceparent` header; absent when it was published untraced. */
  traceId?: string;
  data: unknown;
}

/** An order as its events in ORDERS tell it. */
export interface OrderSummary {
  orderId: string;
  status: "pending" | "confirmed" | "cancelled";
  reason?: string;
  placedAt: string;
  totalCents?: number;
  traceId?: string;
}

/** An order id (a UUID, lower-case). */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** How far back a read goes in each stream, in messages: a dev stack's streams are small. */
export const scanDepth = 5_000;

const reactions = sagaReactions(orderSaga);

/** The streams (by name) that hold the saga's events: each service's that states one. */
export function sagaStreams(
  published: readonly { service: string; stream: { name: string; subjects: string[] } }[],
): string[] {
  const types = new Set(reactions.flatMap((r) => [r.event.type, ...r.states.map((s) => s.type)]));
  const holds = (subjects: string[], type: string) =>
    subjects.some((s) => s === type || type.startsWith(s.replace(/>$/, "")));
  return published.filter(({ stream }) => [...types].some((t) => holds(stream.subjects, t)))
    .map(({ stream }) => stream.name);
}

/** The latest `limit` orders placed, newest first, each with its status so far. */
export async function latestOrders(
  nc: NatsConnection,
  ordersStream: string,
  limit = 20,
): Promise<OrderSummary[]> {
  const orders = new Map<string, OrderSummary>();
  for await (const entry of readIfExists(nc, { stream: ordersStream, last: scanDepth })) {
    const event = entry.event;
    const orderId = orderIdOf(entry);
    if (!event || !orderId) continue;
    const data = event.data as { totalCents?: number; reason?: string };
    if (event.type === "orders.order.placed") {
      orders.set(orderId, {
        orderId,
        status: "pending",
        placedAt: event.occurredAt,
        totalCents: data.totalCents,
        traceId: traceIdOf(entry),
      });
    }
    const order = orders.get(orderId);
    if (!order) continue;
    if (event.type === "orders.order.confirmed") order.status = "confirmed";
    if (event.type === "orders.order.cancelled") {
      order.status = "cancelled";
      order.reason = data.reason;
    }
  }
  return [...orders.values()].reverse().slice(0, limit);
}

/** Every event of order `orderId` in `streams`, oldest first; empty when none mentions it. */
export async function orderSteps(
  nc: NatsConnection,
  streams: readonly string[],
  orderId: string,
): Promise<OrderStep[]> {
  const found = await Promise.all(streams.map(async (stream) => {
    const steps: OrderStep[] = [];
    for await (const entry of readIfExists(nc, { stream, last: scanDepth })) {
      if (entry.event && orderIdOf(entry) === orderId) steps.push(stepOf(entry));
    }
    return steps;
  }));
  return found.flat().sort((a, b) => a.at.localeCompare(b.at) || a.seq - b.seq);
}

function stepOf(entry: StreamEntry): OrderStep {
  const event = entry.event!;
  return {
    id: event.id,
    type: event.type,
    at: event.occurredAt,
    source: event.source,
    handledBy: reactions.filter((r) => r.event.type === event.type)
      .map((r) => ({ service: r.service, kinds: r.kinds })),
    stream: entry.stream,
    seq: entry.seq,
    traceId: traceIdOf(entry),
    data: event.data,
  };
}

function orderIdOf(entry: StreamEntry): string | undefined {
  const data = entry.event?.data as { orderId?: unknown } | undefined;
  return typeof data?.orderId === "string" ? data.orderId : undefined;
}

/** The trace id of a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`). */
export function traceIdOf(entry: { headers: Record<string, string> }): string | undefined {
  const parts = entry.headers.traceparent?.split("-");
  return parts?.length === 4 && /^[0-9a-f]{32}$/.test(parts[1]) ? parts[1] : undefined;
}
