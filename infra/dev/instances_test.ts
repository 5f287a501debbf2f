import assert from "node:assert/strict";
import { instanceNames, parseInstances, requireSharedDatabase } from "./instances.ts";

const services = ["orders", "payments", "gateway"];

Deno.test("DEV_INSTANCES", async (t) => {
  await t.step("unset or empty: one of each", () => {
    assert.equal(parseInstances(undefined, services).size, 0);
    assert.equal(parseInstances(" ", services).size, 0);
  });

  await t.step("counts by service", () => {
    assert.deepEqual(
      [...parseInstances("payments=2, orders=3", services)],
      [["payments", 2], ["orders", 3]],
    );
    assert.deepEqual(instanceNames("payments", 3), ["payments", "payments#2", "payments#3"]);
    assert.deepEqual(instanceNames("orders"), ["orders"]);
  });

  await t.step("refuses what it cannot run, naming it", () => {
    assert.throws(
      () => parseInstances("payments", services),
      /"payments" is not <service>=<count>/,
    );
    assert.throws(() => parseInstances("billing=2", services), /no service "billing"/);
    assert.throws(() => parseInstances("payments=0", services), /1 to 9 instances, not 0/);
    assert.throws(() => parseInstances("payments=-1", services), /is not <service>=<count>/);
  });

  await t.step("a second instance of a PGlite service needs a shared database", () => {
    const counts = parseInstances("payments=2,gateway=2", services);
    const hasDatabase = (service: string) => service !== "gateway";
    const none = () => undefined;
    assert.throws(() => requireSharedDatabase(counts, hasDatabase, none), /PAYMENTS_DATABASE_URL/);
    const url = (name: string) => name === "PAYMENTS_DATABASE_URL" ? "postgres://x/y" : undefined;
    requireSharedDatabase(counts, hasDatabase, url);
    requireSharedDatabase(counts, hasDatabase, (n) => n === "DATABASE_URL" ? "postgres://x" : "");
  });
});
