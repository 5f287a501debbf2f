/**
 * The operator's view of sagas, on seeded rows (PGlite, or Postgres with DATABASE_URL): pending
 * orders oldest first with the step each waits for, the stuck threshold, deadlines, failed
 * compensations grouped by order, and paging through both lists.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { decodeCursor, pageAsked } from "../../shared/contracts/mod.ts";
import { sagaOperationsApi } from "../../shared/contracts/saga_operations.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { failedCompensations, orders, timeline } from "./db/schema.ts";
import { awaitedAfter, failedSagas, sagaOperations, sagasInFlight } from "./sagas.ts";

// One "now" for every time the test makes: read twice, a millisecond apart, a deadline came out
// 300,001 ms after its start (seen in CI).
const now = Date.now();
const secondsAgo = (seconds: number) => new Date(now - seconds * 1000);

Deno.test("orders: the operator's view of sagas", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("orders");
  const userId = crypto.randomUUID();
  // Ids in age order, oldest first: [0] 1000 s, [1] 400 s, [2] 100 s, [3] 30 s, [4] 5 s.
  const ages = [1000, 400, 100, 30, 5];
  const pending = ages.map(() => crypto.randomUUID());
  const confirmed = crypto.randomUUID();
  const cancelled = crypto.randomUUID();
  const order = (id: string, ageSeconds: number, status: string, reason?: string) => ({
    id,
    userId,
    status,
    reason,
    totalCents: 100,
    createdAt: secondsAgo(ageSeconds),
    // The oldest is past its deadline (300 s).
    deadlineAt: secondsAgo(ageSeconds - 300),
  });
  const step = (orderId: string, type: string, ageSeconds: number) => ({
    orderId,
    type,
    source: type.split(".")[0],
    at: secondsAgo(ageSeconds),
  });
  await db.insert(orders).values([
    ...pending.map((id, i) => order(id, ages[i], "pending")),
    order(confirmed, 2000, "confirmed"),
    order(cancelled, 3000, "cancelled", "timed_out"),
  ]);
  await db.insert(timeline).values([
    ...pending.map((id, i) => step(id, "orders.order.placed", ages[i])),
    step(pending[0], "payments.payment.charged", 990),
    step(pending[1], "payments.payment.charged", 390),
    step(pending[1], "catalog.stock.rejected", 380),
    step(pending[1], "payments.refund.failed", 370),
  ]);
  await db.insert(failedCompensations).values([
    {
      orderId: pending[1],
      compensation: "refund",
      service: "payments",
      error: "x".repeat(1500),
      failedAt: secondsAgo(370),
    },
    {
      orderId: cancelled,
      compensation: "release",
      service: "catalog",
      error: "relation does not exist",
      failedAt: secondsAgo(2900),
    },
    {
      orderId: cancelled,
      compensation: "refund",
      service: "payments",
      error: "trigger said no",
      failedAt: secondsAgo(2950),
    },
  ]);
  const inFlight = (stuckAfterSeconds = 60, stuckOnly = false, limit = 50, cursor?: string) =>
    sagasInFlight(db, { stuckAfterSeconds, stuckOnly, ...pageAsked({ limit, cursor }) });
  try {
    await t.step("pending orders only, oldest first, with where each waits", async () => {
      const page = await inFlight();
      assert.deepEqual(page.items.map((s) => s.orderId), pending);
      assert.equal(page.next, undefined);
      const [oldest, failed, , , newest] = page.items;
      assert.ok(Math.abs(oldest.ageSeconds - 1000) <= 2, `age ${oldest.ageSeconds}`);
      assert.ok(newest.ageSeconds <= 7, `age ${newest.ageSeconds}`);
      assert.equal(oldest.lastStep?.type, "payments.payment.charged");
      assert.deepEqual(oldest.waitsFor, ["catalog.stock.reserved", "catalog.stock.rejected"]);
      assert.deepEqual(newest.waitsFor, ["payments.payment.charged", "payments.payment.declined"]);
      assert.equal(failed.lastStep?.type, "payments.refund.failed");
      assert.deepEqual(failed.waitsFor, ["payments.payment.refunded"]);
      assert.deepEqual(page.items.map((s) => s.compensationFailed), [
        false,
        true,
        false,
        false,
        false,
      ]);
      assert.deepEqual(page.items.map((s) => s.overdue), [true, true, false, false, false]);
      assert.equal(Date.parse(oldest.deadlineAt) - Date.parse(oldest.startedAt), 300_000);
      // Every item is what the contract lets orders answer.
      sagaOperationsApi.endpoints.listSagas.reply.parse(page);
    });

    await t.step("stuck: older than the threshold the operator gives", async () => {
      const byDefault = await inFlight();
      assert.deepEqual(byDefault.items.map((s) => s.stuck), [true, true, true, false, false]);
      assert.deepEqual(byDefault.counts, { inFlight: 5, stuck: 3, compensationFailed: 2 });
      const longer = await inFlight(500);
      assert.deepEqual(longer.items.map((s) => s.stuck), [true, false, false, false, false]);
      assert.equal(longer.counts.stuck, 1);
      const only = await inFlight(200, true);
      assert.deepEqual(only.items.map((s) => s.orderId), pending.slice(0, 2));
      assert.deepEqual(only.counts, { inFlight: 5, stuck: 2, compensationFailed: 2 });
    });

    await t.step("paged: every saga once, in order, and the last page says so", async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await inFlight(60, false, 2, cursor);
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((s) => s.orderId));
        cursor = page.next;
        if (cursor) assert.equal(decodeCursor(cursor)?.id, page.items.at(-1)?.orderId);
        pages++;
      } while (cursor);
      assert.deepEqual(seen, pending);
      assert.equal(pages, 3);
    });

    await t.step("failed compensations: by order, longest failed first", async () => {
      const { items, next } = await failedSagas(db, pageAsked({}));
      assert.equal(next, undefined);
      assert.deepEqual(items.map((s) => s.orderId), [cancelled, pending[1]]);
      const [both, one] = items;
      assert.deepEqual(
        both.compensations.map((c) => [c.compensation, c.service, c.error]),
        [["refund", "payments", "trigger said no"], [
          "release",
          "catalog",
          "relation does not exist",
        ]],
      );
      assert.equal(both.since, both.compensations[0].failedAt);
      assert.equal(both.status, "cancelled");
      assert.equal(both.reason, "timed_out");
      assert.equal(one.status, "pending");
      assert.equal(one.reason, undefined);
      // The error is cut to the contract's bound, not refused.
      assert.equal(one.compensations[0].error.length, 1000);
      sagaOperationsApi.endpoints.listFailedSagas.reply.parse({ items });
    });

    await t.step("failed compensations: one order's, and paged", async () => {
      const one = await failedSagas(db, { orderId: pending[1], ...pageAsked({}) });
      assert.deepEqual(one.items.map((s) => s.orderId), [pending[1]]);
      const none = await failedSagas(db, { orderId: confirmed, ...pageAsked({}) });
      assert.deepEqual(none, { items: [] });
      const first = await failedSagas(db, pageAsked({ limit: 1 }));
      assert.deepEqual(first.items.map((s) => s.orderId), [cancelled]);
      assert.ok(first.next);
      const second = await failedSagas(db, pageAsked({ limit: 1, cursor: first.next }));
      assert.deepEqual(second.items.map((s) => s.orderId), [pending[1]]);
      assert.equal(second.next, undefined);
    });

    await t.step("the endpoints take the contract's defaults", async () => {
      const handlers = sagaOperations({ db });
      const request = sagaOperationsApi.endpoints.listSagas.request.parse({});
      assert.deepEqual(request, { stuckAfterSeconds: 60, stuckOnly: false });
      const page = await handlers.listSagas(request, {} as never);
      assert.equal(page.items.length, 5);
      assert.equal(page.stuckAfterSeconds, 60);
      const failed = await handlers.listFailedSagas({}, {} as never);
      assert.equal(failed.items.length, 2);
      for (const bad of [{ stuckAfterSeconds: 0 }, { stuckAfterSeconds: 1.5 }, { limit: 201 }]) {
        assert.ok(!sagaOperationsApi.endpoints.listSagas.request.safeParse(bad).success);
      }
    });

    await t.step("an ended order leaves the list; the timeline decides the step", async () => {
      await db.execute(sql`update orders.orders set status = 'confirmed' where id = ${pending[4]}`);
      const page = await inFlight();
      assert.deepEqual(page.items.map((s) => s.orderId), pending.slice(0, 4));
      assert.equal(page.counts.inFlight, 4);
    });
  } finally {
    await databases.close();
  }
});

Deno.test("orders: what a saga waits for after each step, by the declared flow", () => {
  const cases: [string | null, string[]][] = [
    ["orders.order.placed", ["payments.payment.charged", "payments.payment.declined"]],
    ["payments.payment.charged", ["catalog.stock.reserved", "catalog.stock.rejected"]],
    ["catalog.stock.reserved", ["orders.order.confirmed"]],
    ["payments.payment.declined", ["orders.order.cancelled"]],
    // Only the refund, not its failure: a failure is not what the saga waits for.
    ["catalog.stock.rejected", ["payments.payment.refunded"]],
    ["payments.payment.refunded", ["orders.order.cancelled"]],
    // After a failed compensation: that compensation, once an operator retries it.
    ["payments.refund.failed", ["payments.payment.refunded"]],
    ["catalog.release.failed", ["catalog.stock.released"]],
    ["users.user.registered", []],
    [null, []],
  ];
  for (const [after, expected] of cases) {
    assert.deepEqual(awaitedAfter(after), expected, `${after}`);
  }
});
