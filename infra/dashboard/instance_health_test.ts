import assert from "node:assert/strict";
import { fromMetrics, instanceHealth } from "./instance_health.ts";

const metrics = `# HELP circuit_breaker_state State of the breaker
# TYPE circuit_breaker_state gauge
circuit_breaker_state{service="orders",downstream="catalog"} 0
circuit_breaker_state{service="orders",downstream="payments"} 2
http_requests_total{route="/orders",status="201"} 3
http_requests_total{route="/ready",status="200"} 4
events_handled_total{stream="ORDERS",outcome="applied"} 5
events_handled_total{stream="ORDERS",outcome="duplicate"} 1
rpc_server_requests_total{endpoint="placeOrder"} 9
`;

Deno.test("instance health from an instance's HTTP face", async (t) => {
  await t.step("breakers by downstream, HTTP requests and events handled summed", () => {
    assert.deepEqual(fromMetrics(metrics), {
      breakers: { catalog: "closed", payments: "open" },
      httpRequests: 7,
      eventsHandled: 6,
    });
    assert.deepEqual(fromMetrics(""), {
      breakers: {},
      httpRequests: undefined,
      eventsHandled: undefined,
    });
  });

  await t.step("ready, not ready, and not answering, each per instance", async () => {
    let ready = true;
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/metrics") return new Response(metrics);
      const checks = { nats: "ok", database: ready ? "ok" : "no answer in time" };
      return Response.json({ checks }, { status: ready ? 200 : 503 });
    });
    const url = `http://127.0.0.1:${server.addr.port}`;
    try {
      const [first, second, gone] = await instanceHealth(
        { orders: [url, url], payments: ["http://127.0.0.1:9"] },
        500,
      );
      assert.equal(first.instance, "orders");
      assert.equal(second.instance, "orders#2");
      assert.equal(first.ready, true);
      assert.equal(first.breakers.payments, "open");
      assert.equal(gone.instance, "payments");
      assert.ok(gone.error, "an instance that does not answer says so");
      ready = false;
      const [down] = await instanceHealth({ orders: [url] });
      assert.equal(down.ready, false);
      assert.equal(down.checks.database, "no answer in time");
    } finally {
      await server.shutdown();
    }
  });
});
