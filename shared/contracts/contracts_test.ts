/**
 * Contract tests: every event and every RPC request and reply survives the trip through JSON
 * unchanged, and a consumer's schema accepts fields it does not know (and drops them).
 */
import assert from "node:assert/strict";
import { z } from "zod";
import {
  allEvents,
  allRpcServices,
  envelope,
  type EventDefinition,
  isCorrelationId,
  maxBalanceCents,
  maxCorrelationIdLength,
  maxDepositCents,
  maxOrderLines,
  maxOrderTotalCents,
  maxPriceCents,
  maxQuantity,
  orderPlaced,
  ordersApi,
  paymentsApi,
  stockReleased,
  text,
  timestamp,
  usersApi,
  uuid,
} from "./mod.ts";

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

Deno.test("contracts: every event declares its ordering key", async (t) => {
  await t.step("every event contract declares one", () => {
    for (const event of allEvents) assert.equal(typeof event.orderingKey, "function", event.type);
  });

  // The platform's rule (envelope.ts, EventOptions): lanes keep these keys, so they behave the same.
  await t.step("the user when the data names one, else the order, else none", () => {
    const events: readonly EventDefinition[] = allEvents;
    for (const event of events) {
      const data = event.schema.shape.data.parse(eventData[event.type]) as {
        userId?: string;
        orderId?: string;
      };
      const expected = data.userId
        ? `user:${data.userId}`
        : data.orderId
        ? `order:${data.orderId}`
        : null;
      assert.equal(event.orderingKey?.(data), expected, event.type);
    }
    const releasedWithoutUser = { orderId, items: [line] };
    assert.equal(stockReleased.orderingKey?.(releasedWithoutUser), `order:${orderId}`);
  });
});

Deno.test("contracts: event subjects are <owner>.<aggregate>.<fact>, never rpc.*", () => {
  for (const event of allEvents) {
    assert.match(event.subject, /^[a-z]+\.[a-z]+\.[a-z]+$/);
    assert.ok(!event.subject.startsWith("rpc."));
  }
});

/** Every string, number and array inside `schema`, each with the path that leads to it. */
function leaves(schema: z.ZodType, path = ""): { path: string; schema: z.ZodType }[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  switch (def.type) {
    case "string":
    case "number":
      return [{ path, schema }];
    case "array":
      return [{ path, schema }, ...leaves(def.element as z.ZodType, `${path}[]`)];
    case "object":
      return Object.entries(def.shape as Record<string, z.ZodType>)
        .flatMap(([key, field]) => leaves(field, path ? `${path}.${key}` : key));
    case "optional":
    case "nullable":
    case "default":
      return leaves(def.innerType as z.ZodType, path);
    case "pipe":
      return leaves(def.in as z.ZodType, path);
    case "union":
      return (def.options as z.ZodType[]).flatMap((option) => leaves(option, path));
    default: // enum, literal, boolean, unknown: nothing to bound
      return [];
  }
}

const checksOf = (schema: z.ZodType) =>
  ((schema as unknown as { _zod: { def: { checks?: { _zod: { def: { check: string } } }[] } } })
    ._zod.def.checks ?? []).map((c) => c._zod.def.check);
const formatOf = (schema: z.ZodType) =>
  (schema as unknown as { _zod: { def: { format?: string } } })._zod.def.format;

/** Every request and event schema, named; the operator's audit fact is the ops contract's. */
const inbound: [string, z.ZodType][] = [
  // Checked against its hash and dropped; an account may predate today's rules for new ones.
  ["rpc.users.login", usersApi.endpoints.login.request.omit({ password: true })],
  ...allRpcServices.flatMap((service) =>
    Object.values(service.endpoints).filter((e) => e.subject !== "rpc.users.login")
      .map((e) => [e.subject, e.request] as [string, z.ZodType])
  ),
  ...allEvents.filter((e) => e.type !== "audit.operator.acted")
    .map((e) => [e.type, e.schema] as [string, z.ZodType]),
];

Deno.test("contracts: every value a request or an event carries is bounded", async (t) => {
  // Formats whose own pattern bounds the length (a UUID is 36 characters).
  const boundedFormats = new Set(["uuid", "datetime"]);
  await t.step("every string and array has a maximum length", () => {
    for (const [name, schema] of inbound) {
      for (const leaf of leaves(schema)) {
        if (leaf.schema.def.type === "number") continue;
        if (boundedFormats.has(formatOf(leaf.schema) ?? "")) continue;
        assert.ok(checksOf(leaf.schema).includes("max_length"), `${name}: ${leaf.path} unbounded`);
      }
    }
  });
  await t.step("every number is an integer with an upper bound, so it fits its column", () => {
    for (const [name, schema] of inbound) {
      for (const leaf of leaves(schema).filter((l) => l.schema.def.type === "number")) {
        const checks = checksOf(leaf.schema);
        assert.ok(checks.includes("number_format"), `${name}: ${leaf.path} is not an integer`);
        assert.ok(
          leaf.schema.safeParse(2 ** 31).success === false || leaf.path.endsWith("Cents"),
          `${name}: ${leaf.path} takes 2^31, past a Postgres integer`,
        );
        assert.equal(leaf.schema.safeParse(2 ** 53).success, false, `${name}: ${leaf.path}`);
      }
    }
  });
  await t.step(
    "no string takes a NUL character or a lone surrogate (Postgres text refuses)",
    () => {
      for (const [name, schema] of inbound) {
        for (const leaf of leaves(schema).filter((l) => l.schema.def.type === "string")) {
          for (const bad of ["\u0000", "a\u0000b", "\ud800", "a\udc00b"]) {
            assert.equal(leaf.schema.safeParse(bad).success, false, `${name}: ${leaf.path}`);
          }
        }
      }
    },
  );
});

Deno.test("contracts: text() refuses what Postgres text cannot hold as given", async (t) => {
  const field = text(10, { min: 1 });
  await t.step("NUL, lone surrogates, too long, too short: refused", () => {
    for (const bad of ["", "a\u0000", "\ud83d", "\ude00x", "x".repeat(11)]) {
      assert.equal(field.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });
  await t.step("any other text, surrogate pairs too: taken as given", () => {
    for (const good of ["Ada", "😀", "Zoë \t Łódź", "\u007f\u0001"]) {
      assert.equal(field.parse(good), good);
    }
  });
  await t.step("a register request names the field at fault", () => {
    const result = usersApi.endpoints.register.request.safeParse({
      email: "a@example.com",
      password: "long enough",
      name: "Ada\u0000",
    });
    assert.equal(result.success, false);
    assert.deepEqual(result.error!.issues.map((issue) => issue.path), [["name"]]);
  });
  await t.step("year 0000 (Postgres: out of range) is not a timestamp", () => {
    assert.equal(timestamp.safeParse("0000-01-01T00:00:00Z").success, false);
    assert.equal(timestamp.safeParse("0001-01-01T00:00:00Z").success, true);
  });
});

Deno.test("contracts: money and counts stay exact and fit their columns", async (t) => {
  await t.step("the largest order's total is a safe integer, and the contracts take it", () => {
    assert.ok(Number.isSafeInteger(maxOrderTotalCents));
    const line = { productId, quantity: maxQuantity, unitPriceCents: maxPriceCents };
    const lines = Array.from({ length: maxOrderLines }, () => line);
    const total = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
    assert.equal(total, maxOrderTotalCents);
    orderPlaced.schema.shape.data.parse({ orderId, userId, items: lines, totalCents: total });
  });
  await t.step("the balance ceiling leaves room below 2^53 for refunds in flight", () => {
    // Past the ceiling only by refunds of charges in flight, each paid by deposits made after
    // the balance was charged: reaching 2^53 takes millions of the largest deposits.
    assert.ok((Number.MAX_SAFE_INTEGER - maxBalanceCents) / maxDepositCents > 1_000_000);
  });
  await t.step("one more line, unit, or cent is refused", () => {
    const placed = ordersApi.endpoints.placeOrder.request;
    const line = { productId, quantity: 1 };
    assert.equal(
      placed.safeParse({ userId, items: Array(maxOrderLines + 1).fill(line) }).success,
      false,
    );
    assert.equal(
      placed.safeParse({ userId, items: [{ productId, quantity: maxQuantity + 1 }] }).success,
      false,
    );
    const deposit = paymentsApi.endpoints.deposit.request;
    assert.equal(deposit.safeParse({ userId, amountCents: maxDepositCents }).success, true);
    assert.equal(deposit.safeParse({ userId, amountCents: maxDepositCents + 1 }).success, false);
    assert.equal(deposit.safeParse({ userId, amountCents: 1.5 }).success, false);
  });
});

Deno.test("contracts: an envelope's fields are bounded", async (t) => {
  const placed = {
    id: id(),
    type: "orders.order.placed",
    version: 1,
    occurredAt: at,
    source: "orders",
    correlationId: id(),
    causationId: null,
    data: eventData["orders.order.placed"],
  };
  await t.step("an x-request-id the gateway accepts is a correlation id", () => {
    for (const good of [id(), "c-1", "a".repeat(maxCorrelationIdLength), "abc_DEF=="]) {
      assert.ok(isCorrelationId(good), good);
      assert.equal(orderPlaced.schema.safeParse({ ...placed, correlationId: good }).success, true);
    }
  });
  await t.step("a 400 KB correlation id of invalid UTF-8 makes the event invalid", () => {
    // How nats.js decodes it: each invalid byte becomes U+FFFD.
    const junk = new TextDecoder().decode(new Uint8Array(400_000).fill(0xff));
    const message = JSON.stringify({ ...placed, correlationId: junk });
    const parsed = JSON.parse(message);
    assert.equal(envelope.safeParse(parsed).success, false);
    assert.equal(orderPlaced.schema.safeParse(parsed).success, false);
  });
  await t.step("too long, a space, a NUL: not a correlation or causation id", () => {
    for (const bad of ["", "a".repeat(maxCorrelationIdLength + 1), "a b", "a\u0000", "é"]) {
      assert.equal(isCorrelationId(bad), false, JSON.stringify(bad));
      assert.equal(envelope.safeParse({ ...placed, causationId: bad }).success, false);
    }
  });
  await t.step("a type, source or version that no producer of ours makes is refused", () => {
    for (
      const bad of [
        { type: "x".repeat(200) },
        { type: "Orders.Order.Placed" },
        { source: "a".repeat(65) },
        { source: "orders service" },
        { version: 1e6 },
        { occurredAt: "0000-01-01T00:00:00Z" },
      ]
    ) {
      assert.equal(envelope.safeParse({ ...placed, ...bad }).success, false, JSON.stringify(bad));
    }
  });
});

Deno.test("contracts: a uuid is written in lower case, whatever case it came in", async (t) => {
  const upper = "01A22ACB-E64B-777C-BFB4-35E9DCEC3BEA";
  await t.step("the field lower-cases and still refuses what is not a uuid", () => {
    assert.equal(uuid.parse(upper), upper.toLowerCase());
    for (const bad of ["", "01A22ACB", `${upper}0`, "01a22acb-e64b-777c-bfb4-35e9dcec3bez"]) {
      assert.equal(uuid.safeParse(bad).success, false, bad);
    }
  });
  await t.step("requests, replies and events carry it so", () => {
    const placed = ordersApi.endpoints.placeOrder.request.parse({
      userId: upper,
      items: [{ productId: upper, quantity: 1 }],
    });
    assert.equal(placed.userId, upper.toLowerCase());
    assert.equal(placed.items[0].productId, upper.toLowerCase());
    const event = orderPlaced.schema.shape.data.parse({
      orderId: upper,
      userId: upper,
      items: [{ productId: upper, quantity: 1, unitPriceCents: 1 }],
      totalCents: 1,
    });
    assert.equal(event.orderId, upper.toLowerCase());
  });
  await t.step("its JSON Schema (OpenAPI) is still a string of format uuid", () => {
    const schema = z.toJSONSchema(uuid) as { type: string; format: string };
    assert.equal(schema.type, "string");
    assert.equal(schema.format, "uuid");
  });
});
