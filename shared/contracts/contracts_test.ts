/**
 * Contract tests: every event and every RPC request and reply survives the trip through JSON
 * unchanged, and a consumer's schema accepts fields it does not know (and drops them).
 */
import assert from "node:assert/strict";
import type { z } from "zod";
import { allEvents, allRpcServices } from "./mod.ts";

const id = () => crypto.randomUUID();
const userId = id();
const orderId = id();
const productId = id();
const at = new Date().toISOString();
const quoted = { productId, quantity: 2, unitPriceCents: 1200 };
const line = { productId, quantity: 2 };
const order = {
  id: orderId,
  status: "cancelled",
  reason: "out_of_stock",
  items: [quoted],
  totalCents: 2400,
  createdAt: at,
  updatedAt: at,
};

const eventData: Record<string, unknown> = {
  "users.user.registered": { userId, email: "a@example.com", name: "Ada" },
  "orders.order.placed": { orderId, userId, items: [quoted], totalCents: 2400 },
  "orders.order.confirmed": { orderId, userId, totalCents: 2400 },
  "orders.order.cancelled": { orderId, userId, reason: "payment_declined" },
  "payments.payment.charged": { orderId, userId, amountCents: 2400, items: [line] },
  "payments.payment.declined": { orderId, userId, amountCents: 2400, balanceCents: 100 },
  "payments.payment.refunded": { orderId, userId, amountCents: 2400 },
  "catalog.stock.reserved": { orderId, userId, items: [line] },
  "catalog.stock.rejected": { orderId, userId, shortages: [{ ...line, available: 1 }] },
  "catalog.stock.released": { orderId, userId, items: [line] },
  "audit.operator.acted": {
    actor: "ada@example.com",
    action: "deadletter.discard",
    target: "DEADLETTERS#3",
    reason: "a test order",
    outcome: "discarded",
  },
};

const rpcExamples: Record<string, { request: unknown; reply: unknown }> = {
  "rpc.users.register": {
    request: { email: "a@example.com", password: "long enough", name: "Ada" },
    reply: { userId },
  },
  "rpc.users.login": {
    request: { email: "a@example.com", password: "x" },
    reply: { token: "a.b.c", expiresAt: at },
  },
  "rpc.users.getProfile": {
    request: { userId },
    reply: { userId, email: "a@example.com", name: "Ada", createdAt: at },
  },
  "rpc.catalog.listProducts": {
    request: {},
    reply: {
      items: [{ id: productId, sku: "MUG-001", name: "Mug", priceCents: 1200, available: 3 }],
    },
  },
  "rpc.catalog.getProduct": {
    request: { productId },
    reply: { id: productId, sku: "MUG-001", name: "Mug", priceCents: 1200, available: 3 },
  },
  "rpc.catalog.quote": { request: { items: [line] }, reply: { items: [quoted], totalCents: 2400 } },
  "rpc.orders.placeOrder": {
    request: { userId, items: [line], idempotencyKey: "k" },
    reply: { orderId, status: "pending" },
  },
  "rpc.orders.getOrder": { request: { userId, orderId }, reply: order },
  "rpc.orders.listOrders": { request: { userId }, reply: { items: [order] } },
  "rpc.orders.getTimeline": {
    request: { userId, orderId },
    reply: {
      items: [{
        at,
        type: "orders.order.placed",
        source: "orders",
        service: "orders",
        durationMs: 0,
      }],
    },
  },
  "rpc.payments.getWallet": { request: { userId }, reply: { balanceCents: 100 } },
  "rpc.payments.deposit": { request: { userId, amountCents: 5 }, reply: { balanceCents: 105 } },
  "rpc.notifications.listNotifications": {
    request: { userId },
    reply: {
      items: [{ id: id(), orderId, kind: "order_confirmed", message: "Confirmed.", at }],
    },
  },
  "rpc.history.orderHistory": {
    request: { userId },
    reply: {
      orders: [
        {
          orderId,
          status: "cancelled",
          reason: "payment_declined",
          totalCents: 2400,
          itemCount: 2,
          placedAt: at,
          updatedAt: at,
        },
        {
          orderId: id(),
          status: "confirmed",
          totalCents: 1200,
          itemCount: 1,
          placedAt: at,
          updatedAt: at,
        },
      ],
      totals: { orders: 2, pending: 0, confirmed: 1, cancelled: 1, confirmedCents: 1200 },
    },
  },
};

function roundTrips(schema: z.ZodType, value: unknown) {
  const parsed = schema.parse(value);
  assert.deepEqual(schema.parse(JSON.parse(JSON.stringify(parsed))), parsed);
  assert.deepEqual(parsed, value);
}

Deno.test("contracts: every event round-trips and tolerates unknown fields", () => {
  for (const event of allEvents) {
    const data = eventData[event.type];
    assert.ok(data, `no example for ${event.type}`);
    const envelope = {
      id: id(),
      type: event.type,
      version: event.version,
      occurredAt: at,
      source: event.type.split(".")[0],
      correlationId: id(),
      causationId: null,
      data,
    };
    roundTrips(event.schema, envelope);
    const extended = { ...envelope, addedLater: 1, data: { ...data as object, addedLater: 2 } };
    assert.deepEqual(event.schema.parse(extended), envelope, `${event.type} with extra fields`);
    assert.equal(event.schema.safeParse({ ...envelope, data: {} }).success, false, event.type);
  }
});

Deno.test("contracts: every RPC request and reply round-trips", () => {
  for (const service of allRpcServices) {
    for (const endpoint of Object.values(service.endpoints)) {
      const example = rpcExamples[endpoint.subject];
      assert.ok(example, `no example for ${endpoint.subject}`);
      roundTrips(endpoint.request, example.request);
      roundTrips(endpoint.reply, example.reply);
      assert.match(endpoint.subject, /^rpc\.[a-z]+\.[a-zA-Z]+$/);
    }
  }
});

Deno.test("contracts: event subjects are <owner>.<aggregate>.<fact>, never rpc.*", () => {
  for (const event of allEvents) {
    assert.match(event.subject, /^[a-z]+\.[a-z]+\.[a-z]+$/);
    assert.ok(!event.subject.startsWith("rpc."));
  }
});
