/**
 * A compensation that can never run is a state, not a silence: a refund that fails on every
 * delivery (the test's trigger on payments.refunds) goes to the dead letters, payments states
 * payments.refund.failed (error log, metric) and orders records the saga as compensation_failed;
 * while even that statement cannot be written, the message keeps coming back rather than being
 * lost. After the fix, a re-drive of the dead letter refunds, cancels the order and clears the
 * failure.
 */
import assert from "node:assert/strict";
import { eq, sql } from "drizzle-orm";
import { failedCompensations, orders } from "../services/orders/db/schema.ts";
import { refunds, wallets } from "../services/payments/db/schema.ts";
import { listDeadLetters, redriveDeadLetters } from "../shared/operator/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { placeOrder, productBySku, signUp } from "./harness/clients.ts";
import { eventually } from "./harness/eventually.ts";
import { assertSagaInvariants } from "./harness/invariants.ts";
import { json, type Stack, startStack } from "./harness/stack.ts";

const log = createLogger({ service: "test", level: "error" });

/** A counter's value in the stack's /metrics, 0 when it has no such series yet. */
async function metric(stack: Stack, series: RegExp): Promise<number> {
  const text = await (await stack.request("/metrics")).text();
  const line = text.split("\n").find((l) => series.test(l));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

const refundsFailed =
  /^saga_compensations_failed_total\{service="payments",compensation="refund"\}/;
const rejectedDead =
  /^events_handled_total\{service="payments",event="catalog.stock.rejected",outcome="dead"\}/;

Deno.test({
  name: "saga compensation: a refund that fails until a fix is a visible state, then retried",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const stack = await startStack({ delivery: { maxDeliver: 2, backoffMs: [50] } });
    const ordersDb = (await stack.database("orders")).db;
    const paymentsDb = (await stack.database("payments")).db;
    const failuresOf = (orderId: string) =>
      ordersDb.select().from(failedCompensations)
        .where(eq(failedCompensations.orderId, orderId));
    const orderRow = async (orderId: string) =>
      (await ordersDb.select().from(orders).where(eq(orders.id, orderId)))[0];
    try {
      const user = await signUp(stack);
      const deposit = await stack.request(
        "/wallet/deposits",
        json("POST", { amountCents: 100_000 }, user.headers),
      );
      assert.equal(deposit.status, 201);
      const balance = async () =>
        (await paymentsDb.select().from(wallets).where(eq(wallets.userId, user.userId)))[0]
          .balanceCents;
      const failedBefore = await metric(stack, refundsFailed);
      let orderId = "";

      await t.step(
        "while not even the failure can be stated, the message comes back instead of being lost",
        async () => {
          await paymentsDb.execute(sql`
            create function payments.refuse() returns trigger language plpgsql as $$
            begin raise exception '% are off (test)', tg_table_name; end $$`);
          await paymentsDb.execute(sql`
            create trigger refuse_refunds before insert on payments.refunds
            for each row execute function payments.refuse()`);
          await paymentsDb.execute(sql`
            create trigger refuse_failures before insert on payments.outbox
            for each row when (new.subject = 'payments.refund.failed')
            execute function payments.refuse()`);
          // Out of stock: charged, rejected, and the refund fails on every delivery.
          const lamp = await productBySku(stack, "LMP-012");
          const res = await placeOrder(stack, user, [{
            productId: lamp.id,
            quantity: lamp.available + 1,
          }]);
          orderId = (await res.json()).orderId;
          const [letter] = await eventually(async () => {
            const found = await listDeadLetters(stack.nc, { service: "payments" });
            return found.length ? found : undefined;
          });
          assert.equal(letter.subject, "catalog.stock.rejected");
          assert.match(letter.reason, /refunds are off/);
          // Given up on again and again: each time the statement fails, the message is nak'd.
          const dead = await metric(stack, rejectedDead);
          await eventually(async () =>
            (await metric(stack, rejectedDead)) >= dead + 2 || undefined
          );
          assert.deepEqual(await failuresOf(orderId), []);
        },
      );

      await t.step(
        "once it can be: compensation_failed, with its error, an error log and a metric",
        async () => {
          await paymentsDb.execute(sql`drop trigger refuse_failures on payments.outbox`);
          const [failure] = await eventually(async () => {
            const found = await failuresOf(orderId);
            return found.length ? found : undefined;
          });
          assert.equal(failure.compensation, "refund");
          assert.equal(failure.service, "payments");
          assert.match(failure.error, /^failed \d+ times: .*refunds are off \(test\)/);
          assert.ok(await metric(stack, refundsFailed) > failedBefore);
          // The money is held, and says so: the order is not cancelled until it is refunded.
          assert.equal((await orderRow(orderId)).status, "pending");
          assert.equal(await balance(), 110_000 - (await orderRow(orderId)).totalCents);
          assert.equal((await listDeadLetters(stack.nc, { service: "payments" })).length, 1);
        },
      );

      await t.step(
        "after the fix, a re-drive refunds, cancels and clears the failure",
        async () => {
          await paymentsDb.execute(sql`drop trigger refuse_refunds on payments.refunds`);
          const results = await redriveDeadLetters(stack.nc, {
            all: true,
            service: "payments",
            actor: "test",
            log,
          });
          assert.deepEqual(results.map((r) => r.outcome), ["applied"]);
          await eventually(async () => (await failuresOf(orderId)).length === 0 || undefined);
          const order = await orderRow(orderId);
          assert.equal(order.status, "cancelled");
          assert.equal(order.reason, "out_of_stock");
          const refunded = await paymentsDb.select().from(refunds).where(
            eq(refunds.orderId, orderId),
          );
          assert.equal(refunded.length, 1);
          assert.equal(await balance(), 110_000);
          assert.deepEqual(await listDeadLetters(stack.nc, {}), []);
          await assertSagaInvariants(stack);
        },
      );
    } finally {
      await stack.close();
    }
  },
});
