/**
 * Deposits on a real stack: past 32 bits they stay exact; one past the balance ceiling is 422
 * problem+json naming the field; the money stays conserved.
 */
import assert from "node:assert/strict";
import { getJson, signUp } from "./harness/clients.ts";
import { maxBalanceCents, maxDepositCents } from "../shared/contracts/mod.ts";
import { deposits, wallets } from "../services/payments/db/schema.ts";
import { eq } from "drizzle-orm";
import { json, startStack } from "./harness/stack.ts";
import { assertSagaInvariants } from "./harness/invariants.ts";

Deno.test("wallet deposits up to the balance ceiling", async (t) => {
  const stack = await startStack();
  try {
    await t.step(
      "deposits past 32 bits stay exact; one past the balance ceiling is 422 problem+json",
      async () => {
        const user = await signUp(stack);
        const depositOf = (amountCents: number) =>
          stack.request("/wallet/deposits", json("POST", { amountCents }, user.headers));
        // Issue 17: the third answered 500 (integer out of range).
        for (const n of [1, 2, 3]) {
          const res = await depositOf(maxDepositCents);
          assert.equal(res.status, 201);
          assert.deepEqual(await res.json(), { balanceCents: 10_000 + n * maxDepositCents });
        }
        // Up to the ceiling less a cent, as a deposit would: the money stays conserved.
        const { db } = await stack.database("payments");
        const topUp = maxBalanceCents - 1 - (10_000 + 3 * maxDepositCents);
        await db.transaction(async (tx) => {
          await tx.insert(deposits).values({
            id: crypto.randomUUID(),
            userId: user.userId,
            kind: "deposit",
            amountCents: topUp,
          });
          await tx.update(wallets).set({ balanceCents: maxBalanceCents - 1 })
            .where(eq(wallets.userId, user.userId));
        });
        const refused = await depositOf(2);
        assert.equal(refused.status, 422);
        assert.equal(refused.headers.get("content-type"), "application/problem+json");
        const problem = await refused.json();
        assert.equal(problem.kind, "unprocessable");
        assert.equal(problem.details.field, "amountCents");
        assert.deepEqual(await getJson(stack, user, "/wallet"), {
          balanceCents: maxBalanceCents - 1,
        });
        const last = await depositOf(1);
        assert.equal(last.status, 201);
        assert.deepEqual(await last.json(), { balanceCents: maxBalanceCents });
      },
    );

    await t.step(
      "every invariant holds: ended, one charge, one refund, money conserved",
      async () => {
        await assertSagaInvariants(stack);
      },
    );
  } finally {
    await stack.close();
  }
});
