/**
 * A service behind the bridge (TRANSPORT=bridge) takes its durable consumers' messages and its
 * tick over HTTP, signed as the bridge signs them (tests/harness/bridged_payments.ts): an event is
 * applied once through the same dispatcher, inbox and outbox; a body that is no event is 422; the
 * given-up route runs onDeadLetter; the tick sweeps the outbox and runs the periodic work.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { eq } from "drizzle-orm";
import { charges, inbox, outbox } from "../services/payments/db/schema.ts";
import { type Envelope, paymentRefunded, stockRejected } from "../shared/contracts/mod.ts";
import { createEvent, enqueueEvent } from "../shared/outbox/mod.ts";
import { startBridgedPayments } from "./harness/bridged_payments.ts";
import { eventually } from "./harness/eventually.ts";

Deno.test("bridge transport: events, dead letters and the tick over HTTP", async (t) => {
  const payments = await startBridgedPayments();
  const { nc, delivery, placed, outboxOf, send: bridgeRequest } = payments;
  const { db } = payments.database;
  try {
    await t.step(
      "an event over HTTP is applied once and publishes through the outbox",
      async () => {
        const userId = crypto.randomUUID();
        const event = placed(crypto.randomUUID(), userId);
        const first = await bridgeRequest("/_bridge/events/ORDERS", JSON.stringify(event), {
          ...delivery(event, 41),
        });
        assert.equal(first.status, 200);
        assert.deepEqual(await first.json(), { outcome: "applied", eventId: event.id });
        const again = await bridgeRequest("/_bridge/events/ORDERS", JSON.stringify(event), {
          ...delivery(event, 41),
        });
        assert.equal(again.status, 200);
        assert.deepEqual(await again.json(), { outcome: "duplicate", eventId: event.id });
        const charged = await db.select().from(charges).where(
          eq(charges.orderId, event.data.orderId),
        );
        assert.equal(charged.length, 1, "charged once");
        const [seen] = await db.select().from(inbox).where(eq(inbox.eventId, event.id));
        assert.deepEqual([seen.stream, seen.streamSeq], ["ORDERS", 41], "its stream position kept");
        const rows = await outboxOf(event.correlationId);
        assert.deepEqual(rows.map((row) => row.subject), ["payments.payment.charged"]);
        // The relay publishes it after the commit, to the service's stream.
        const jsm = await jetstreamManager(nc);
        await eventually(async () => {
          const last = await jsm.streams.getMessage("PAYMENTS", {
            last_by_subj: "payments.payment.charged",
          }).catch(() => null);
          return last?.json<Envelope>().causationId === event.id || undefined;
        });
      },
    );
    await t.step(
      "a body that is no event is 422 (dead-lettered at once); nothing applied",
      async () => {
        const before = (await db.select().from(inbox)).length;
        for (const body of ["not json", JSON.stringify({ hello: "world" })]) {
          const answer = await bridgeRequest("/_bridge/events/ORDERS", body, {
            "bridge-subject": "orders.order.placed",
          });
          assert.equal(answer.status, 422, body);
          assert.equal(answer.headers.get("content-type"), "application/problem+json");
          assert.equal((await answer.json()).kind, "invalid");
        }
        assert.equal((await db.select().from(inbox)).length, before);
        const unknown = await bridgeRequest("/_bridge/events/HISTORY", "{}", {
          "bridge-subject": "history.x",
        });
        assert.equal(unknown.status, 404, "a stream payments does not react to: retried, not lost");
        await unknown.body?.cancel();
      },
    );
    await t.step("the given-up route runs the handler's onDeadLetter", async () => {
      const userId = crypto.randomUUID();
      const charge = placed(crypto.randomUUID(), userId);
      const applied = await bridgeRequest("/_bridge/events/ORDERS", JSON.stringify(charge), {
        ...delivery(charge, 42),
      });
      assert.equal(applied.status, 200);
      await applied.body?.cancel();
      const rejected = createEvent(stockRejected, {
        orderId: charge.data.orderId,
        userId,
        shortages: [],
      }, { source: "catalog", correlationId: crypto.randomUUID() });
      const givenUp = await bridgeRequest("/_bridge/given-up/CATALOG", JSON.stringify(rejected), {
        ...delivery(rejected, 7),
        "bridge-delivery-count": "5",
        "bridge-reason": "failed 5 times: the refund could not run",
      });
      assert.equal(givenUp.status, 200);
      assert.deepEqual(await givenUp.json(), { outcome: "given_up" });
      const stated = await outboxOf(rejected.correlationId);
      assert.deepEqual(stated.map((row) => row.subject), ["payments.refund.failed"]);
      assert.match(JSON.parse(stated[0].payload).data.error, /the refund could not run/);
    });
    await t.step(
      "the tick publishes an outbox row left behind and runs the periodic work",
      async () => {
        // Written, but no relay was told of it: as a crash between the commit and the publish.
        const left = createEvent(paymentRefunded, {
          orderId: crypto.randomUUID(),
          userId: crypto.randomUUID(),
          amountCents: 100,
        }, { source: "payments", correlationId: crypto.randomUUID() });
        await enqueueEvent(db, outbox, left);
        const tick = await bridgeRequest("/_bridge/tick", "");
        assert.equal(tick.status, 200);
        const report = await tick.json();
        assert.equal(report.outbox, "swept");
        const [row] = await db.select().from(outbox).where(eq(outbox.id, left.id));
        assert.ok(row.publishedAt, "published by the tick's sweep, before it answered");
        const works = Object.values(report.works);
        assert.ok(works.length >= 2 && works.every((outcome) => outcome === "ran"), report);
        // Done within its interval: the next tick leaves it.
        const next = await (await bridgeRequest("/_bridge/tick", "")).json();
        assert.ok(Object.values(next.works).every((outcome) => outcome === "not due"), next);
      },
    );
  } finally {
    await payments.close();
  }
});
