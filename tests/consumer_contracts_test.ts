/**
 * Consumer-driven contracts for events: every handler of every service declares what it reads,
 * those reads are recorded (shared/contracts/consumer_reads.json, by `deno task generate`), and
 * every producer's event, per subject and version, gives every consumer each field it reads:
 * present where the consumer took it as present, and of a compatible type. Mutated copies of a
 * producer's schema (a field dropped, retyped, made optional, an enum widened) fail the check; a
 * narrowed one passes.
 */
import assert from "node:assert/strict";
import * as z from "zod";
import {
  allEvents,
  cancelReason,
  defineEvent,
  type EventDefinition,
  orderCancelled,
  orderConfirmed,
  orderTotalCents,
  uuid,
} from "../shared/contracts/mod.ts";
import { contractViolations, recordContracts } from "../shared/contracts/consumer_contracts.ts";
import { recordedContracts } from "../infra/consumer_contracts.ts";
import { serviceHandlers } from "../infra/service_handlers.ts";
import { on } from "../shared/events/mod.ts";

const recorded = await recordedContracts();

/** The platform's producers with `event` standing in for the definition of its type and version. */
const producersWith = (event: EventDefinition) => [
  ...allEvents.filter((e) => !(e.type === event.type && e.version === event.version)),
  event,
];

Deno.test("consumer-driven contracts of the events", async (t) => {
  await t.step("every handler of every service declares the fields it reads", () => {
    const undeclared = Object.entries(serviceHandlers).flatMap(([service, handlers]) =>
      handlers.filter((h) => h.reads === undefined).map((h) => `${service} on ${h.event.type}`)
    );
    assert.deepEqual(undeclared, []);
  });

  await t.step("the recorded contracts are what the handlers read", () => {
    assert.deepEqual(
      recordContracts(serviceHandlers, recorded),
      recorded,
      "shared/contracts/consumer_reads.json differs from the handlers' reads: run deno task generate",
    );
  });

  await t.step("every producer gives every consumer what it reads", () => {
    assert.deepEqual(contractViolations(recorded, allEvents), []);
  });

  await t.step("a producer dropping, retyping or making optional a field read fails", () => {
    const confirmedWith = (data: z.ZodType) =>
      producersWith(defineEvent(orderConfirmed.type, orderConfirmed.version, data));
    const dropped = contractViolations(
      recorded,
      confirmedWith(z.object({ orderId: uuid, userId: uuid })),
    );
    assert.ok(
      dropped.includes(
        "notifications reads orders.order.confirmed@1 totalCents: the producer's data has no such field",
      ),
      dropped.join("\n"),
    );
    const retyped = contractViolations(
      recorded,
      confirmedWith(z.object({ orderId: uuid, userId: uuid, totalCents: z.string() })),
    );
    assert.ok(
      retyped.includes(
        "notifications reads orders.order.confirmed@1 totalCents: is string, the reader expects integer",
      ),
      retyped.join("\n"),
    );
    const optional = contractViolations(
      recorded,
      confirmedWith(
        z.object({ orderId: uuid, userId: uuid, totalCents: orderTotalCents.optional() }),
      ),
    );
    assert.ok(optional.some((p) => p.endsWith("totalCents: the producer made it optional")));
  });

  await t.step("an enum widened fails; a narrowed field passes", () => {
    const cancelledWith = (reason: z.ZodType) =>
      producersWith(
        defineEvent(
          orderCancelled.type,
          orderCancelled.version,
          z.object({ orderId: uuid, userId: uuid, reason }),
        ),
      );
    const widened = contractViolations(
      recorded,
      cancelledWith(z.enum([...cancelReason.options, "lost"])),
    );
    assert.ok(
      widened.some((p) => p.endsWith(`reason: values ["lost"] the reader lacks`)),
      widened.join("\n"),
    );
    assert.deepEqual(contractViolations(recorded, cancelledWith(z.enum(["timed_out"]))), []);
    const narrowed = defineEvent(
      orderConfirmed.type,
      orderConfirmed.version,
      z.object({ orderId: uuid, userId: uuid, totalCents: z.number().int().min(1).max(1000) }),
    );
    assert.deepEqual(contractViolations(recorded, producersWith(narrowed)), []);
  });

  await t.step("a handler sees only the fields it declared it reads", () => {
    const handler = on(orderConfirmed, (event) => {
      // @ts-expect-error: totalCents is not among its reads (deno check fails if it becomes so)
      const total: number = event.data.totalCents;
      return Promise.resolve(void [event.data.orderId, total]);
    }, { reads: ["orderId"] });
    assert.deepEqual(handler.reads, ["orderId"]);
  });

  await t.step("a subject and version no producer defines fails", () => {
    const others = allEvents.filter((e) => e.type !== orderConfirmed.type);
    assert.ok(
      contractViolations(recorded, others).includes(
        "notifications reads orders.order.confirmed@1: no producer defines it",
      ),
    );
  });
});
