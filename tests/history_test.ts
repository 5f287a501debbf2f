/**
 * The order-history read model: built from ORDERS alone, served at GET /history, and rebuilt
 * from the stream (deleted first, or while orders keep coming) into the state it had; served a
 * page at a time. A rebuild from a stream that lost its first event is refused unless the operator
 * accepts the loss.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { eq } from "drizzle-orm";
import type { OrderEvent } from "../services/history/projection.ts";
import { orderHistory } from "../services/history/db/schema.ts";
import { getJson, placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { caughtUp, projection } from "./harness/history_truth.ts";
import { ops, opsOutcome } from "./harness/ops_cli.ts";
import { json, startStack } from "./harness/stack.ts";

Deno.test("order history: a read model built from events, rebuilt from the stream", async (t) => {
  const stack = await startStack();
  try {
    const user = await signUp(stack);
    const other = await signUp(stack);
    const mug = await productBySku(stack, "MUG-001");
    const order = async (who = user, quantity = 1) => {
      const placed = await (await placeOrder(stack, who, [{ productId: mug.id, quantity }]))
        .json();
      return settledOrder(stack, who, placed.orderId);
    };

    await t.step("GET /history: the user's orders with status and totals", async () => {
      const confirmed = await order(user, 2);
      // More than the starting balance: declined.
      const cancelled = await order(user, 90);
      await order(other);
      await caughtUp(stack);
      const history = await getJson(stack, user, "/history");
      assert.deepEqual(
        history.orders.map((o: { orderId: string; status: string; reason?: string }) => [
          o.orderId,
          o.status,
          o.reason,
        ]),
        [
          [cancelled.id, "cancelled", "payment_declined"],
          [confirmed.id, "confirmed", undefined],
        ],
      );
      assert.equal(history.orders[1].totalCents, 2 * mug.priceCents);
      assert.equal(history.orders[1].itemCount, 2);
      assert.deepEqual(history.totals, {
        orders: 2,
        pending: 0,
        confirmed: 1,
        cancelled: 1,
        confirmedCents: 2 * mug.priceCents,
      });
      const others = await getJson(stack, other, "/history");
      assert.equal(others.totals.orders, 1);
      const theirs = others.orders.map((o: { orderId: string }) => o.orderId);
      assert.ok(!theirs.includes(confirmed.id) && !theirs.includes(cancelled.id));
      assert.equal((await stack.request("/history")).status, 401);
    });

    await t.step("deleted, then rebuilt: the same state as before", async () => {
      const before = await projection(stack);
      assert.equal(before.length, 3);
      await (await stack.database("history")).db.delete(orderHistory);
      assert.equal((await projection(stack)).length, 0);
      const out = await ops(stack, "replay", "history", "--rebuild");
      assert.match(out, /^rebuilt history: emptied order_history, inbox/);
      assert.match(out, /ORDERS #1\.\.#\d+ → history: \d+ read/);
      assert.match(out, /applied \d+, skipped 0/);
      assert.deepEqual(await projection(stack), before);
    });

    await t.step("rebuilt while orders keep coming: equal to the live truth", async () => {
      const placing = Promise.all(Array.from({ length: 6 }, (_, i) => order(user, i % 2 ? 90 : 1)));
      const rebuilt = await ops(stack, "replay", "history", "--rebuild", "--json");
      assert.equal(JSON.parse(rebuilt).tables.length, 2);
      const placed = await placing;
      const rows = await caughtUp(stack);
      assert.equal(rows.length, 9);
      for (const settled of placed) {
        const [row] = rows.filter((r) => r.orderId === settled.id);
        assert.equal(row.status, settled.status);
        assert.equal(row.totalCents, settled.totalCents);
      }
      // And one more rebuild, now quiet, changes nothing at all.
      const live = await projection(stack);
      await ops(stack, "replay", "history", "--rebuild");
      assert.deepEqual(await projection(stack), live);
      const [one] = await (await stack.database("history")).db.select().from(orderHistory)
        .where(eq(orderHistory.orderId, placed[0].id));
      assert.equal(one.userId, user.userId);
    });

    await t.step("GET /history a page at a time: every order once, totals over all", async () => {
      const rows = await caughtUp(stack);
      const mine = rows.filter((row) => row.userId === user.userId);
      assert.equal(mine.length, 8);
      const seen: string[] = [];
      let path = "/history?limit=3";
      for (let pages = 1;; pages++) {
        const page = await getJson(stack, user, path);
        assert.ok(page.orders.length <= 3);
        assert.ok(pages <= 3, "a next page past the last order");
        seen.push(...page.orders.map((o: { orderId: string }) => o.orderId));
        // Counted by the database over every order, whichever page.
        assert.equal(page.totals.orders, 8);
        if (!page.next) {
          assert.equal(pages, 3);
          break;
        }
        path = `/history?limit=3&cursor=${page.next}`;
      }
      const newestFirst = [...mine].sort((a, b) =>
        b.placedAt.getTime() - a.placedAt.getTime() || b.orderId.localeCompare(a.orderId)
      );
      assert.deepEqual(seen, newestFirst.map((row) => row.orderId));
      const orders = await getJson(stack, user, "/orders?limit=5");
      assert.equal(orders.items.length, 5);
      const rest = await getJson(stack, user, `/orders?limit=5&cursor=${orders.next}`);
      assert.equal(rest.items.length, 3);
      assert.equal(rest.next, undefined);
      const bad = await stack.request("/history?cursor=bm90LWEtY3Vyc29y", {
        headers: user.headers,
      });
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).kind, "invalid");
    });

    await t.step(
      "ORDERS without its first event: a rebuild refused, nothing emptied",
      async (refusal) => {
        const before = await projection(stack);
        const jsm = await jetstreamManager(stack.nc);
        const first = (await jsm.streams.getMessage("ORDERS", { seq: 1 }))!.json<OrderEvent>();
        assert.equal(first.type, "orders.order.placed");
        // As NATS does when the event outlives ORDERS' max age.
        await jsm.streams.deleteMessage("ORDERS", 1);

        const refused = await opsOutcome(stack, "replay", "history", "--rebuild");
        assert.equal(refused.code, 1, refused.stderr);
        assert.match(refused.stderr, /history not rebuilt, nothing emptied: ORDERS holds #2\.\.#/);
        assert.match(
          refused.stderr,
          /: 1 missing .*its max age is 30 d.*run again with --accept-missing/,
        );
        assert.deepEqual(await projection(stack), before);

        const admin = {
          authorization: `Bearer ${await stack.signToken({
            sub: user.userId,
            email: "admin@example.com",
            role: "admin",
          })}`,
        };
        const answer = await stack.request(
          "/admin/rebuild",
          json("POST", { service: "history" }, admin),
        );
        assert.equal(answer.status, 409);
        assert.match(answer.headers.get("content-type") ?? "", /^application\/problem\+json/);
        const problem = await answer.json();
        assert.equal(problem.kind, "conflict");
        assert.match(problem.detail, /ORDERS holds #2\.\.#\d+ .*acceptMissing: true$/);
        assert.deepEqual(await projection(stack), before);

        await refusal.step(
          "--accept-missing: rebuilt without it, and the audit says so",
          async () => {
            const out = await ops(stack, "replay", "history", "--rebuild", "--accept-missing");
            assert.match(out, /without what no stream holds any more: ORDERS holds #2\.\.#\d+/);
            const after = await projection(stack);
            assert.equal(after.length, before.length);
            // Its placed event is gone: the order is rebuilt from its confirmation alone.
            const lost = after.find((row) => row.orderId === first.data.orderId)!;
            assert.equal(lost.status, "confirmed");
            assert.equal(lost.itemCount, 0);
            assert.deepEqual(
              after.filter((row) => row.orderId !== first.data.orderId),
              before.filter((row) => row.orderId !== first.data.orderId),
            );
            const audit = (await jsm.streams.getMessage("AUDIT", {
              last_by_subj: "audit.operator.acted",
            }))!.json<{ data: { action: string; outcome: string } }>();
            assert.equal(audit.data.action, "rebuild");
            assert.match(
              audit.data.outcome,
              /acceptMissing: rebuilt without the missing events \(ORDERS/,
            );
          },
        );
      },
    );
  } finally {
    await stack.close();
  }
});
