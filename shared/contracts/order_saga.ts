/**
 * The order saga, declared: the one place that says which service reacts to which event, what it
 * may state in answer, what undoes each step, when the saga gives up waiting, and where it can end.
 * Built from the event definitions, so renaming an event renames it here. The services' handlers
 * do the work (choreography: no coordinator); tests/saga_flow_test.ts holds them to this, and the
 * README's saga diagram is drawn from it (infra/saga_diagram.ts).
 */
import { releaseFailed, stockRejected, stockReleased, stockReserved } from "./catalog.ts";
import { orderCancelled, orderConfirmed, orderPlaced } from "./orders.ts";
import { paymentCharged, paymentDeclined, paymentRefunded, refundFailed } from "./payments.ts";
import { defineSaga } from "./saga.ts";

/** The order saga: placed, charged, reserved, confirmed; or cancelled, with what was done undone. */
export const orderSaga = defineSaga({
  name: "order",
  starts: { service: "orders", by: "placeOrder", states: orderPlaced },
  steps: {
    charge: {
      service: "payments",
      on: [orderPlaced],
      states: [paymentCharged, paymentDeclined],
      does: "charge the wallet",
    },
    reserve: {
      service: "catalog",
      on: [paymentCharged],
      states: [stockReserved, stockRejected],
      does: "reserve the stock",
    },
    confirm: {
      service: "orders",
      on: [stockReserved],
      states: [orderConfirmed],
      does: "confirm",
    },
    // Refunded: the charge is undone (stock ran short, or after a cancellation: then it states
    // nothing more); a failed compensation's row is cleared either way.
    cancel: {
      service: "orders",
      on: [paymentDeclined, paymentRefunded],
      states: [orderCancelled],
      does: "cancel",
    },
    markFailed: {
      service: "orders",
      on: [refundFailed, releaseFailed, stockReleased],
      states: [],
      does: "mark (or clear) compensation_failed",
    },
  },
  compensations: {
    refund: {
      undoes: "charge",
      service: "payments",
      on: [stockRejected, orderCancelled],
      states: [paymentRefunded],
      fails: refundFailed,
      does: "refund the charge",
    },
    release: {
      undoes: "reserve",
      service: "catalog",
      on: [orderCancelled],
      states: [stockReleased],
      fails: releaseFailed,
      does: "release the reservation",
    },
  },
  observers: [
    {
      service: "orders",
      on: [paymentCharged, stockRejected],
      states: [],
      does: "record the step on the timeline",
    },
    { service: "notifications", on: [orderConfirmed, orderCancelled], states: [], does: "tell" },
    {
      service: "history",
      on: [orderPlaced, orderConfirmed, orderCancelled],
      states: [],
      does: "fold into history",
    },
  ],
  deadline: {
    service: "orders",
    states: orderCancelled,
    reason: "timed_out",
    setting: "SAGA_DEADLINE_MS",
  },
  states: {
    pending: { enteredOn: [orderPlaced], terminal: false, means: "payment and stock decide" },
    confirmed: { enteredOn: [orderConfirmed], terminal: true, means: "paid, stock reserved" },
    cancelled: {
      enteredOn: [orderCancelled],
      terminal: true,
      means: "payment_declined, out_of_stock or timed_out; what was done is undone",
    },
    compensation_failed: {
      enteredOn: [refundFailed, releaseFailed],
      leftOn: [paymentRefunded, stockReleased],
      terminal: false,
      means: "a refund or release failed for good; an operator retries it",
    },
  },
  paths: {
    confirmed: [orderPlaced, paymentCharged, stockReserved, orderConfirmed],
    payment_declined: [orderPlaced, paymentDeclined, orderCancelled],
    out_of_stock: [orderPlaced, paymentCharged, stockRejected, paymentRefunded, orderCancelled],
  },
});
