/**
 * The declared order saga (shared/contracts/order_saga.ts) is what the services do. Statically:
 * each service's handlers react to exactly the saga events the declaration gives it. On a real
 * stack, after three orders (confirmed, declined, out of stock): every (cause -> effect, source)
 * pair read from the streams through the envelopes' causation ids is a declared edge, each order's
 * chain is the declared path of its outcome, and each service's real consumer applied exactly the
 * declared reactions to the saga events the run saw (the failure facts among them, stated by hand).
 */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import {
  type Envelope,
  envelope,
  paymentRefunded,
  refundFailed,
  releaseFailed,
  stockReleased,
} from "../shared/contracts/mod.ts";
import { createEvent } from "../shared/outbox/mod.ts";
import { orderSaga } from "../shared/contracts/order_saga.ts";
import {
  edgeName,
  eventKey,
  sagaEdges,
  sagaEvents,
  sagaReactions,
} from "../shared/contracts/saga.ts";
import { serviceHandlers } from "../infra/service_handlers.ts";
import { registry } from "../services/registry.ts";
import { json, type Stack, startStack } from "./harness/stack.ts";
import { placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { eventually } from "./harness/eventually.ts";

const sagaKeys = new Set(sagaEvents(orderSaga).map(eventKey));
const declaredEdges = new Set(sagaEdges(orderSaga).map(edgeName));

/** The saga events each service is declared to react to, as `<type>@<version>`, sorted. */
function declaredReactions(service: string): string[] {
  return sagaReactions(orderSaga).filter((r) => r.service === service)
    .map((r) => eventKey(r.event)).sort();
}

/** The saga events a list of handlers reacts to, sorted. */
function handledSagaEvents(handlers: readonly { event: { type: string; version: number } }[]) {
  return handlers.map((h) => eventKey(h.event)).filter((key) => sagaKeys.has(key)).sort();
}

/** The edges of a declared path: each event caused by the one before, stated by its owner. */
function pathEdges(path: readonly { type: string; version: number }[]): string[] {
  return path.slice(1).map((effect, n) =>
    edgeName({
      cause: eventKey(path[n]),
      effect: eventKey(effect),
      service: effect.type.split(".")[0],
    })
  );
}

Deno.test("the declared saga matches the handlers", async (t) => {
  await t.step("every reacting service of the registry has its handlers listed", () => {
    const reacting = registry.filter((s) => (s.bus.reactsTo ?? []).length > 0).map((s) => s.name);
    assert.deepEqual(Object.keys(serviceHandlers).sort(), reacting.sort());
    for (const service of registry) {
      const subjects = (service.bus.reactsTo ?? []).flatMap((stream) => stream.subjects);
      for (const { event } of serviceHandlers[service.name] ?? []) {
        const owner = `${event.subject.split(".")[0]}.>`;
        assert.ok(
          subjects.includes(owner),
          `${service.name} handles ${event.type} off its streams`,
        );
      }
    }
  });

  await t.step("each service reacts to exactly the saga events declared for it", () => {
    for (const { name } of registry) {
      assert.deepEqual(
        handledSagaEvents(serviceHandlers[name] ?? []),
        declaredReactions(name),
        `${name}: its handlers (left) and the declared saga (right) differ`,
      );
    }
  });

  await t.step("each declared path is made of declared edges", () => {
    for (const [outcome, path] of Object.entries(orderSaga.paths)) {
      for (const edge of pathEdges(path)) assert.ok(declaredEdges.has(edge), `${outcome}: ${edge}`);
    }
  });
});

Deno.test("a real saga run shows the declared edges and reactions, and no others", async () => {
  const stack = await startStack();
  try {
    const mug = await productBySku(stack, "MUG-001");
    const lamp = await productBySku(stack, "LMP-012");
    const [happy, poor, rich] = await Promise.all([signUp(stack), signUp(stack), signUp(stack)]);
    const deposit = await stack.request(
      "/wallet/deposits",
      json("POST", { amountCents: 100_000 }, rich.headers),
    );
    assert.equal(deposit.status, 201);
    const runs = { confirmed: happy, payment_declined: poor, out_of_stock: rich };
    const items = {
      confirmed: [{ productId: mug.id, quantity: 1 }],
      payment_declined: [{ productId: lamp.id, quantity: 2 }],
      out_of_stock: [{ productId: lamp.id, quantity: lamp.available + 1 }],
    };
    const orderIds = new Map<string, keyof typeof runs>();
    await Promise.all(
      Object.entries(runs).map(async ([outcome, user]) => {
        const res = await placeOrder(stack, user, items[outcome as keyof typeof runs]);
        assert.equal(res.status, 201);
        const { orderId } = await res.json();
        orderIds.set(orderId, outcome as keyof typeof runs);
        await settledOrder(stack, user, orderId);
      }),
    );
    // No run of a few seconds fails a compensation for good: its facts, and the refund and release
    // that clear them, are stated by hand (caused by no event: no edge), for the declined order.
    const declined = [...orderIds].find(([, outcome]) => outcome === "payment_declined")![0];
    const about = { orderId: declined, userId: poor.userId };
    const js = jetstream(stack.nc);
    for (
      const fact of [
        createEvent(refundFailed, { ...about, error: "by hand" }, byHand("payments")),
        createEvent(releaseFailed, { ...about, error: "by hand" }, byHand("catalog")),
        createEvent(paymentRefunded, { ...about, amountCents: 1 }, byHand("payments")),
        createEvent(stockReleased, { ...about, items: [] }, byHand("catalog")),
      ]
    ) await js.publish(fact.type, JSON.stringify(fact), { msgID: fact.id });
    const { events, applied } = await quiet(stack);

    const byId = new Map(events.map((e) => [e.id, e]));
    const seen = new Map<string, string[]>();
    for (const effect of events) {
      const cause = effect.causationId ? byId.get(effect.causationId) : undefined;
      if (!cause) continue;
      const edge = edgeName({
        cause: eventKey(cause),
        effect: eventKey(effect),
        service: effect.source,
      });
      assert.ok(declaredEdges.has(edge), `undeclared: ${edge}`);
      const orderId = (effect.data as { orderId?: string }).orderId ?? "";
      seen.set(orderId, [...seen.get(orderId) ?? [], edge]);
    }
    for (const [orderId, outcome] of orderIds) {
      assert.deepEqual(
        (seen.get(orderId) ?? []).sort(),
        pathEdges(orderSaga.paths[outcome]).sort(),
        `${outcome}: the edges seen (left) and the declared path (right) differ`,
      );
    }

    // Every declared reaction to an event the run saw was applied by that service's consumer.
    const happened = new Set(events.map((e) => e.type));
    const expected = sagaReactions(orderSaga).filter((r) => happened.has(r.event.type))
      .map((r) => `${r.service} ${r.event.type}`).sort();
    const sagaTypes = new Set(sagaEvents(orderSaga).map((e) => e.type));
    assert.deepEqual(
      [...applied].filter((pair) => sagaTypes.has(pair.split(" ")[1])).sort(),
      expected,
      "applied by the services' consumers (left) and declared reactions (right) differ",
    );
  } finally {
    await stack.close();
  }
});

/** The origin of an event a test states by hand as `source`: caused by nothing. */
const byHand = (source: string) => ({ source, correlationId: `by-hand-${crypto.randomUUID()}` });

/**
 * The `service event` pairs `events_handled_total` counts as applied, and the consumers with
 * messages pending and outboxes with events unpublished (their metric lines).
 */
function readMetrics(text: string) {
  const applied = new Set<string>();
  const busy: string[] = [];
  for (const line of text.split("\n")) {
    const labels = Object.fromEntries(
      [...(line.match(/\{(.*)\}/)?.[1] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((
        m,
      ) => [m[1], m[2]]),
    );
    const value = Number(line.split(" ").at(-1));
    if (line.startsWith("events_handled_total{") && labels.outcome === "applied" && value > 0) {
      applied.add(`${labels.service} ${labels.event}`);
    }
    if (/^(consumer_pending_messages|outbox_backlog_events)\{/.test(line) && value > 0) {
      busy.push(line);
    }
  }
  return { applied, busy };
}

/**
 * Waits until nothing moves: every outbox published, every consumer caught up, and no stream grew
 * meanwhile. Answers every event of the three saga streams and what the consumers applied.
 */
async function quiet(stack: Stack) {
  const jsm = await jetstreamManager(stack.nc);
  const streams = ["ORDERS", "PAYMENTS", "CATALOG"];
  const lastSeqs = async () =>
    (await Promise.all(streams.map((s) => jsm.streams.info(s)))).map((i) => i.state.last_seq)
      .join();
  let busy: string[] = [];
  const applied = await eventually(async () => {
    const before = await lastSeqs();
    const metrics = readMetrics(await (await stack.request("/metrics")).text());
    busy = metrics.busy;
    return busy.length === 0 && await lastSeqs() === before ? metrics.applied : undefined;
  }).catch((error) => {
    throw new Error(`${error.message}; still busy: ${busy.join(", ") || "streams growing"}`);
  });
  const events: Envelope[] = [];
  for (const stream of streams) {
    const { state } = await jsm.streams.info(stream);
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq });
      if (message) events.push(envelope.parse(message.json()));
    }
  }
  return { events, applied };
}
