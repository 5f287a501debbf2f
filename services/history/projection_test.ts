import assert from "node:assert/strict";
import { orderCancelled, orderConfirmed, orderPlaced } from "../../shared/contracts/mod.ts";
import { type OrderEvent, project } from "./projection.ts";

const orderId = crypto.randomUUID();
const userId = crypto.randomUUID();
const productId = crypto.randomUUID();
const envelope = (at: string) => ({
  id: crypto.randomUUID(),
  source: "orders",
  correlationId: "c1",
  causationId: null,
  occurredAt: at,
});

const placed = orderPlaced.schema.parse({
  ...envelope("2026-11-22T10:00:00.000Z"),
  type: orderPlaced.type,
  version: 1,
  data: {
    orderId,
    userId,
    totalCents: 1300,
    items: [{ productId, quantity: 2, unitPriceCents: 650 }],
  },
}) as OrderEvent;
const confirmed = orderConfirmed.schema.parse({
  ...envelope("2026-11-22T10:00:00.050Z"),
  type: orderConfirmed.type,
  version: 1,
  data: { orderId, userId, totalCents: 1300 },
}) as OrderEvent;
const cancelled = orderCancelled.schema.parse({
  ...envelope("2026-11-22T10:00:00.080Z"),
  type: orderCancelled.type,
  version: 1,
  data: { orderId, userId, reason: "payment_declined" },
}) as OrderEvent;

const replay = (events: OrderEvent[]) =>
  events.reduce(
    (row, event) => project(row, event),
    undefined as ReturnType<typeof project> | undefined,
  );

Deno.test("history: placed then confirmed", () => {
  assert.deepEqual(replay([placed, confirmed]), {
    orderId,
    userId,
    status: "confirmed",
    reason: null,
    totalCents: 1300,
    itemCount: 2,
    placedAt: "2026-11-22T10:00:00.000Z",
    updatedAt: "2026-11-22T10:00:00.050Z",
  });
});

Deno.test("history: a placed order alone is pending", () => {
  const row = replay([placed])!;
  assert.equal(row.status, "pending");
  assert.equal(row.updatedAt, row.placedAt);
});

Deno.test("history: the same row whatever order the events come in", () => {
  assert.deepEqual(replay([confirmed, placed]), replay([placed, confirmed]));
  assert.deepEqual(replay([cancelled, placed]), replay([placed, cancelled]));
  assert.equal(replay([cancelled, placed])!.reason, "payment_declined");
});

Deno.test("history: an event applied twice changes nothing more", () => {
  assert.deepEqual(replay([placed, confirmed, confirmed, placed]), replay([placed, confirmed]));
});

Deno.test("history: a terminal status is never undone", () => {
  assert.equal(replay([placed, cancelled, confirmed])!.status, "cancelled");
});
