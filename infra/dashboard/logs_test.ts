import assert from "node:assert/strict";
import { createLogger } from "../../shared/log/mod.ts";
import { LogStore } from "./logs.ts";

/** Lines as shared/log writes them. */
function linesOf(service: string, write: (fields: ReturnType<typeof createLogger>) => void) {
  const lines: string[] = [];
  write(createLogger({ service, level: "debug", write: (line) => lines.push(line) }));
  return lines;
}

Deno.test("log store", async (t) => {
  const store = new LogStore(100, () => 42);
  for (
    const line of linesOf("orders", (log) => {
      const request = log.child({ correlationId: "c-1" });
      request.info("order placed", { orderId: "o-1", items: 2 });
      request.debug("quote asked", { orderId: "o-1" });
      log.child({ correlationId: "c-2" }).error("order failed", { orderId: "o-2" });
    })
  ) store.append("orders", line);
  for (const line of linesOf("payments", (log) => log.warn("wallet low", { orderId: "o-1" }))) {
    store.append("payments", line);
  }
  store.append("nats", "[1] 2026/11/30 12:00:00 [INF] Server is ready");
  store.append("orders", "   ");

  await t.step("a shared/log line keeps its level, ids and other fields", () => {
    const [first] = store.query({ service: "orders", limit: 1000 });
    assert.equal(first.seq, 1);
    assert.equal(first.level, "info");
    assert.equal(first.msg, "order placed");
    assert.equal(first.correlationId, "c-1");
    assert.equal(first.orderId, "o-1");
    assert.deepEqual(first.fields, { items: 2 });
    assert.ok(Math.abs(first.time - Date.now()) < 60_000, "the line's own time");
  });

  await t.step("a line that is not JSON is kept as text, at append time", () => {
    const [nats] = store.query({ service: "nats" });
    assert.equal(nats.level, undefined);
    assert.equal(nats.msg, "[1] 2026/11/30 12:00:00 [INF] Server is ready");
    assert.equal(nats.time, 42);
    assert.equal(store.lastSeq, 5, "blank lines are not kept");
  });

  await t.step("filters: service, level and above, correlation id, order id", () => {
    const msgs = (query: Parameters<LogStore["query"]>[0]) => store.query(query).map((e) => e.msg);
    assert.deepEqual(msgs({ level: "warn" }), ["order failed", "wallet low"]);
    assert.deepEqual(msgs({ correlationId: "c-1" }), ["order placed", "quote asked"]);
    assert.deepEqual(msgs({ orderId: "o-1", level: "info" }), ["order placed", "wallet low"]);
    assert.deepEqual(msgs({ service: "payments" }), ["wallet low"]);
    assert.deepEqual(msgs({ limit: 2 }), [
      "wallet low",
      "[1] 2026/11/30 12:00:00 [INF] Server is ready",
    ]);
    assert.deepEqual(msgs({ after: 3 }), [
      "wallet low",
      "[1] 2026/11/30 12:00:00 [INF] Server is ready",
    ]);
    assert.deepEqual(store.services(), ["nats", "orders", "payments"]);
  });

  await t.step("an order's trace ids come from its lines", () => {
    const withTraces = new LogStore();
    withTraces.append("orders", JSON.stringify({ msg: "a", orderId: "o-1", traceId: "t1" }));
    withTraces.append("payments", JSON.stringify({ msg: "b", orderId: "o-1", traceId: "t2" }));
    withTraces.append("orders", JSON.stringify({ msg: "c", orderId: "o-1", traceId: "t1" }));
    withTraces.append("orders", JSON.stringify({ msg: "d", orderId: "o-2", traceId: "t3" }));
    assert.deepEqual(withTraces.traceIdsOfOrder("o-1"), ["t1", "t2"]);
    assert.deepEqual(withTraces.query({ traceId: "t3" }).map((e) => e.msg), ["d"]);
  });

  await t.step("bounded: the oldest lines go first", () => {
    const small = new LogStore(10);
    for (let i = 1; i <= 25; i++) small.append("a", `line ${i}`);
    const kept = small.query({ limit: 100 });
    assert.ok(kept.length >= 10 && kept.length <= 11, `${kept.length}`);
    assert.equal(kept.at(-1)!.msg, "line 25");
    assert.equal(small.lastSeq, 25);
  });
});
