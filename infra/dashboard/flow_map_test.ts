import assert from "node:assert/strict";
import { registry } from "../../services/registry.ts";
import { countsOf, flowMap } from "./flow_map.ts";

/** Trimmed from nats-server 2.9's /jsz?accounts=true&streams=true&consumers=true. */
const jsz = {
  account_details: [{
    name: "$G",
    stream_detail: [{
      name: "CATALOG",
      state: { messages: 2, bytes: 1254, first_seq: 1, last_seq: 2, consumer_count: 2 },
      consumer_detail: [{
        stream_name: "CATALOG",
        name: "orders",
        delivered: { consumer_seq: 2, stream_seq: 2 },
        ack_floor: { consumer_seq: 1, stream_seq: 1 },
        num_ack_pending: 1,
        num_redelivered: 0,
        num_waiting: 1,
        num_pending: 3,
      }],
    }, { name: "AUDIT" }],
  }],
};

Deno.test("the Flow page's map", async (t) => {
  await t.step("counts by stream and consumer from /jsz", () => {
    assert.deepEqual(countsOf(jsz), {
      CATALOG: {
        messages: 2,
        lastSeq: 2,
        consumers: { orders: { ackFloor: 1, pending: 3, ackPending: 1, redelivered: 0 } },
      },
      AUDIT: { messages: 0, lastSeq: 0, consumers: {} },
    });
    assert.deepEqual(countsOf({}), {});
  });

  await t.step("every service and stream of the registry, each declared edge", () => {
    const map = flowMap(registry);
    for (const service of registry) assert.match(map, new RegExp(`svc_${service.name}\\[`));
    for (const name of ["USERS", "ORDERS", "PAYMENTS", "CATALOG"]) {
      assert.match(map, new RegExp(`stream_${name}\\[\\("${name}<br/>`));
    }
    assert.match(map, /svc_orders -- "publishes" --> stream_ORDERS/);
    assert.match(map, /stream_ORDERS -- "durable payments" --> svc_payments/);
    assert.match(map, /<b>gateway<\/b><br\/><small>calls users, catalog, orders/);
  });

  await t.step("live counts on the edges", () => {
    const map = flowMap(registry, countsOf(jsz));
    assert.match(map, /svc_catalog -- "publishes · 2 msgs" --> stream_CATALOG/);
    assert.match(map, /stream_CATALOG -- "orders · acked 1 · pending 4" --> svc_orders/);
  });
});
