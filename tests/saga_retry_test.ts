/**
 * A compensation that fails until a fix, retried by an operator: a refund refused by the database
 * (a trigger on payments.refunds, made by the test) is dead-lettered and the saga shows as
 * `compensation_failed` in `ops sagas --failed` and /admin/sagas/failed; a retry before the fix
 * fails again and changes nothing; after the fix (the trigger dropped) `ops sagas retry` re-drives
 * it, the order ends cancelled with the money back, the failure is gone, and the audit keeps why.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { getJson, placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { runDeno } from "./harness/command_line.ts";
import { eventually } from "./harness/eventually.ts";
import { ops } from "./harness/ops_cli.ts";
import { json, startStack } from "./harness/stack.ts";
import { listFailedSagas } from "../shared/operator/sagas.ts";
import { discardDeadLetter, listDeadLetters } from "../shared/operator/mod.ts";
import { createLogger } from "../shared/log/mod.ts";

const adminEmail = "sagas@example.com";
const reason = "the refunds trigger is gone";

interface FailedSaga {
  orderId: string;
  status: string;
  compensations: { compensation: string; service: string; error: string }[];
}

Deno.test("saga retry: a refund that fails until a fix, then re-driven by ops", async (t) => {
  const stack = await startStack({
    env: { ADMIN_EMAILS: adminEmail },
    delivery: { maxDeliver: 2, backoffMs: [50] },
  });
  const paymentsDb = (await stack.database("payments")).db;
  // Polled through the kit, as the CLI asks (a CLI run costs a process start).
  const failedSagas = async () => (await listFailedSagas(stack.nc)).items as FailedSaga[];
  const retry = () => ops(stack, "sagas", "retry", orderId, "--reason", reason);
  let orderId = "";
  let otherOrderId = "";
  try {
    const user = await signUp(stack);
    await stack.request("/wallet/deposits", json("POST", { amountCents: 1_000_000 }, user.headers));

    await t.step("a refund the database refuses: the saga is compensation_failed", async () => {
      await paymentsDb.execute(sql.raw(`
        create function payments.refuse_refunds() returns trigger language plpgsql as
          $$ begin raise exception 'refunds are refused (test)'; end $$`));
      await paymentsDb.execute(sql.raw(`
        create trigger refuse_refunds before insert on payments.refunds
          for each row execute function payments.refuse_refunds()`));
      const lamp = await productBySku(stack, "LMP-012");
      // More than the stock: charged, then rejected, then the refund fails. Twice: the retry of
      // one order must leave the other's letter alone.
      const outOfStock = async () =>
        (await (await placeOrder(stack, user, [{
          productId: lamp.id,
          quantity: lamp.available + 1,
        }])).json()).orderId as string;
      orderId = await outOfStock();
      otherOrderId = await outOfStock();
      const [saga] = await eventually(async () => {
        const found = await failedSagas();
        if (!found.some((s) => s.orderId === otherOrderId)) return undefined;
        return found.filter((s) => s.orderId === orderId);
      });
      assert.equal(saga.status, "pending");
      assert.deepEqual(saga.compensations.map((c) => [c.compensation, c.service]), [
        ["refund", "payments"],
      ]);
      assert.match(saga.compensations[0].error, /refunds are refused \(test\)/);
      const inFlight = JSON.parse(await ops(stack, "sagas", "--json"));
      const own = inFlight.items.find((s: { orderId: string }) => s.orderId === orderId);
      assert.equal(own.compensationFailed, true);
      assert.deepEqual(own.waitsFor, ["payments.payment.refunded"]);
      assert.ok(inFlight.counts.compensationFailed >= 1);
      const text = await ops(stack, "sagas", "--failed");
      assert.match(text, new RegExp(`^${orderId} {2}refund {3}payments {2}since `, "m"));
    });

    await t.step("the admin routes show it, through the gateway's operator identity", async () => {
      const password = "a long enough password";
      await stack.request(
        "/auth/register",
        json("POST", { email: adminEmail, password, name: "Ops" }),
      );
      const login = await stack.request(
        "/auth/login",
        json("POST", { email: adminEmail, password }),
      );
      const admin = { authorization: `Bearer ${(await login.json()).token}` };
      const failed = await stack.request("/admin/sagas/failed", { headers: admin });
      assert.equal(failed.status, 200);
      const { items } = await failed.json();
      assert.ok(items.some((s: FailedSaga) => s.orderId === orderId));
      const inFlight = await stack.request("/admin/sagas?stuckAfterSeconds=3600", {
        headers: admin,
      });
      assert.equal(inFlight.status, 200);
      const body = await inFlight.json();
      assert.equal(body.stuckAfterSeconds, 3600);
      // An order with no failed compensation: a problem with a kind, not a 5xx.
      const none = await stack.request(
        `/admin/sagas/${crypto.randomUUID()}/retry`,
        json("POST", { reason }, admin),
      );
      assert.equal(none.status, 404);
      const problem = await none.json();
      assert.equal(problem.kind, "not_found");
      assert.match(problem.detail, /has no failed compensation/);
      assert.ok(
        body.items.some((s: { orderId: string; stuck: boolean }) =>
          s.orderId === orderId && !s.stuck
        ),
      );
    });

    await t.step("retried before the fix: it fails again, and stays failed", async () => {
      const out = await retry();
      assert.match(out, /^#\d+ {2}payments {2}catalog\.stock\.rejected {2}failed {2}.*refused/m);
      assert.equal((await failedSagas()).filter((s) => s.orderId === orderId).length, 1);
    });

    await t.step("retried after the fix: refunded, cancelled, the failure gone", async () => {
      // Both charges held: the money comes back for the order retried only.
      const held = (await getJson(stack, user, "/wallet")).balanceCents;
      const { totalCents } = await getJson(stack, user, `/orders/${orderId}`);
      await paymentsDb.execute(sql.raw("drop trigger refuse_refunds on payments.refunds"));
      const out = await retry();
      assert.match(out, /^#\d+ {2}payments {2}catalog\.stock\.rejected {2}applied$/m);
      const order = await settledOrder(stack, user, orderId);
      assert.equal(order.status, "cancelled");
      assert.equal(order.reason, "out_of_stock");
      assert.deepEqual(await getJson(stack, user, "/wallet"), { balanceCents: held + totalCents });
      const left = await eventually(async () => {
        const found = await failedSagas();
        return found.some((s) => s.orderId === orderId) ? undefined : found;
      });
      // The other order's refund was not retried: it is failed still.
      assert.deepEqual(left.map((s) => s.orderId), [otherOrderId]);
    });

    await t.step("once more: no failed saga is a clear refusal; the audit keeps why", async () => {
      const again = await runDeno([
        "task",
        "-q",
        "ops",
        "sagas",
        "retry",
        orderId,
        "--reason",
        reason,
      ], {
        env: {
          NATS_URL: stack.nats.url,
          ...stack.nats.authorization && { NATS_NKEY_SEED: stack.nats.seed("operator")! },
          ...stack.nats.caFile && { NATS_CA_FILE: stack.nats.caFile },
        },
      });
      assert.equal(again.code, 1);
      assert.equal(again.stderr.trim(), `ops: order ${orderId} has no failed compensation`);
      const audit = (await ops(stack, "events", "show", "AUDIT", "--json")).trim().split("\n")
        .map((line) => JSON.parse(line).event.data)
        .filter((a) => a.action === "deadletter.redrive" && a.target.includes(orderId));
      assert.deepEqual(audit.map((a) => a.outcome.split(":")[0]), ["failed", "applied"]);
      assert.ok(audit.every((a) => a.reason === reason));
      assert.ok(audit.every((a) => a.target.startsWith(`order ${orderId} refund: DEADLETTERS#`)));
    });

    await t.step(
      "a failed saga whose letter was discarded: nothing to retry, said so",
      async () => {
        const letters = await listDeadLetters(stack.nc, { service: "payments" });
        const own = letters.filter((l) =>
          (l.entry.event?.data as { orderId?: string } | undefined)?.orderId === otherOrderId
        );
        assert.equal(own.length, 1);
        await discardDeadLetter(stack.nc, {
          seq: own[0].seq,
          reason: "refunded by hand",
          actor: "test",
          log: createLogger({ service: "test", level: "error" }),
        });
        const out = await ops(stack, "sagas", "retry", otherOrderId, "--reason", reason);
        assert.match(
          out,
          new RegExp(`^nothing to retry: no dead letter of payments names order ${otherOrderId}`),
        );
        // Still failed: only the compensation's own event clears it.
        assert.ok((await failedSagas()).some((s) => s.orderId === otherOrderId));
      },
    );
  } finally {
    await paymentsDb.execute(sql.raw("drop trigger if exists refuse_refunds on payments.refunds"))
      .catch(() => {});
    await stack.close();
  }
});
