/**
 * What an operator types (a service, a stream, a subject) is refused before NATS is asked when it
 * cannot be right: the gateway's admin routes and `deno task ops` share these functions.
 */
import assert from "node:assert/strict";
import { ServiceError } from "../errors/mod.ts";
import { createLogger } from "../log/mod.ts";
import {
  knownService,
  readEntry,
  rebuildReadModel,
  replayToService,
  resolveStream,
} from "./mod.ts";

// Any use of the connection fails the test: these inputs must be refused before it.
const noNats = new Proxy({}, {
  get: () => {
    throw new Error("NATS was used");
  },
}) as never;

const log = createLogger({ service: "ops", level: "error" });

function assertKind(kind: string) {
  return (error: unknown) => error instanceof ServiceError && error.kind === kind;
}

Deno.test("operator inputs refused before NATS", async (t) => {
  await t.step("a service that does not exist is not_found, not 'not running'", async () => {
    const services = ["orders", "payments"];
    const request = { service: "nosuch", services, actor: "t", log };
    await assert.rejects(
      replayToService(noNats, { ...request, range: { stream: "ORDERS" } }),
      assertKind("not_found"),
    );
    await assert.rejects(rebuildReadModel(noNats, request), assertKind("not_found"));
    // The names known come from the caller, and the refusal lists them.
    await assert.rejects(
      replayToService(noNats, { ...request, service: "orders", services: [], range: {} as never }),
      (error) =>
        assertKind("not_found")(error) && (error as ServiceError).message.includes("orders"),
    );
    assert.throws(
      () => knownService("nosuch", services),
      (error) =>
        error instanceof ServiceError &&
        (error.details as { services: string[] }).services.join() === "orders,payments",
    );
    knownService("payments", services);
  });

  await t.step("a subject filter NATS cannot take is invalid", async () => {
    for (const target of ["orders..placed", "orders.>.placed", "orders.order placed", ""]) {
      await assert.rejects(resolveStream(noNats, target), assertKind("invalid"), target);
    }
  });

  await t.step("a stream name that cannot be one is not_found at once", async () => {
    for (const stream of ["x".repeat(5000), "ORDERS.x", "*", "../etc"]) {
      await assert.rejects(readEntry(noNats, stream, 1), assertKind("not_found"));
    }
  });
});
