/**
 * Every event and every RPC request and reply survives the trip through JSON unchanged, and an
 * event's schema accepts fields it does not know (and drops them).
 */
import assert from "node:assert/strict";
import type * as z from "zod";
import { at, eventData, id, rpcExamples } from "./examples.ts";
import * as contracts from "./mod.ts";
import { allEvents, isRpcService } from "./mod.ts";

/** Every RPC contract the module exports: one added is walked with no list to edit. */
const allRpcServices = Object.values(contracts).filter(isRpcService);

function roundTrips(schema: z.ZodType, value: unknown) {
  const parsed = schema.parse(value);
  assert.deepEqual(schema.parse(JSON.parse(JSON.stringify(parsed))), parsed);
  assert.deepEqual(parsed, value);
}

Deno.test("contracts: every event round-trips and tolerates unknown fields", () => {
  for (const event of allEvents) {
    const data = eventData[event.type];
    assert.ok(data, `no example for ${event.type}`);
    const envelope = {
      id: id(),
      type: event.type,
      version: event.version,
      occurredAt: at,
      source: event.type.split(".")[0],
      correlationId: id(),
      causationId: null,
      data,
    };
    roundTrips(event.schema, envelope);
    const extended = { ...envelope, addedLater: 1, data: { ...data as object, addedLater: 2 } };
    assert.deepEqual(event.schema.parse(extended), envelope, `${event.type} with extra fields`);
    assert.equal(event.schema.safeParse({ ...envelope, data: {} }).success, false, event.type);
  }
});

Deno.test("contracts: every RPC request and reply round-trips", () => {
  for (const service of allRpcServices) {
    for (const endpoint of Object.values(service.endpoints)) {
      const example = rpcExamples[endpoint.subject];
      assert.ok(example, `no example for ${endpoint.subject}`);
      roundTrips(endpoint.request, example.request);
      roundTrips(endpoint.reply, example.reply);
      assert.match(endpoint.subject, /^rpc\.[a-z]+\.[a-zA-Z]+$/);
    }
  }
});
