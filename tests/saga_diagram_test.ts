/**
 * The README's saga diagram is the one infra/saga_diagram.ts draws from the declared saga
 * (shared/contracts/order_saga.ts), so a change to the declaration without `deno task generate`
 * fails here; and the drawing shows each reaction, compensation, failure fact and the deadline.
 */
import assert from "node:assert/strict";
import { markers, readmePath, sagaDiagram, withDiagram } from "../infra/saga_diagram.ts";
import { orderSaga } from "../shared/contracts/order_saga.ts";
import { defineSaga } from "../shared/contracts/saga.ts";

Deno.test("the README's saga diagram is drawn from the declared saga", async (t) => {
  const readme = await Deno.readTextFile(readmePath);

  await t.step("README.md holds what infra/saga_diagram.ts draws", () => {
    assert.ok(readme.includes(markers.begin) && readme.includes(markers.end), "no markers");
    assert.equal(
      readme,
      withDiagram(readme, orderSaga),
      "README.md's saga diagram differs: run deno task generate",
    );
  });

  await t.step("every step, compensation, failure fact and the deadline is drawn", () => {
    const diagram = sagaDiagram(orderSaga);
    for (const [name, step] of Object.entries(orderSaga.steps)) {
      assert.ok(diagram.includes(`${name}["${step.service}: ${step.does}"]`), name);
    }
    for (const [name, { fails }] of Object.entries(orderSaga.compensations)) {
      assert.ok(diagram.includes(`${name} -. fails .-> ${fails.type.replaceAll(".", "_")}`));
    }
    assert.ok(diagram.includes(`-- timed_out --> orders_order_cancelled`));
  });

  await t.step("a changed declaration changes the README: the stale check bites", () => {
    // The refund of a charge no longer reacting to a cancellation: the drawing loses an arrow.
    const refund = orderSaga.compensations.refund;
    const changed = defineSaga({
      ...orderSaga,
      compensations: {
        ...orderSaga.compensations,
        refund: { ...refund, on: refund.on.slice(0, 1) },
      },
    });
    assert.notEqual(withDiagram(readme, changed), readme);
    assert.throws(() => withDiagram("# no markers\n", orderSaga), /no saga diagram markers/);
  });
});
