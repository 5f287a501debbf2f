/**
 * The bridge (bridge/) on a real nats-server, carrying orders as its registry declaration and
 * handlers say, to a stand-in HTTP service that verifies every request with the bridge kit: RPC
 * forwarded and answered (and the service found by the operator's discovery), a failing service
 * unavailable to its caller, an operator's request waited for past the bridge's timeout, durable
 * messages acked, retried, given up on and dead-lettered by status, requests signed for their path
 * and body, the tick, an ordered stop, and the bridge's NATS identity refused what it does not
 * carry.
 */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { headers } from "@nats-io/nats-core";
import { bridge as bridgeKit, bridgeName, keys, natsHeaderValue } from "./harness/bridge_setup.ts";
import { startBridge } from "../bridge/bridge.ts";
import { carriedFrom } from "../bridge/carried.ts";
import { serviceHandlers } from "../infra/service_handlers.ts";
import { bridgePermissions } from "../infra/nats/bridge_permissions.ts";
import { registry } from "../services/registry.ts";
import { rpcClient, serviceAnswers } from "../shared/bus/mod.ts";
import { ordersApi, paymentsStream } from "../shared/contracts/mod.ts";
import { ServiceError } from "../shared/errors/mod.ts";
import { deadLetterHeaders, deadLettersStream, deadLetterSubject } from "../shared/events/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { discoverServices } from "../shared/operator/mod.ts";
import { startBridgedStandIn } from "./harness/bridged_stand_in.ts";
import { connectAs, refused } from "./harness/bus_identities.ts";
import { eventually } from "./harness/eventually.ts";
import { startNatsServer } from "./harness/nats_server.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("the bridge carries a service's RPC, events and tick over signed HTTP", async (t) => {
  const { signingKey, publicKey } = await keys();
  const server = await startNatsServer({
    extraIdentities: [{ name: bridgeName, permissions: bridgePermissions(["orders"], registry) }],
  });
  const standIn = startBridgedStandIn("orders", publicKey);
  const [orders] = carriedFrom(
    [{ name: "orders", baseUrl: standIn.url }],
    registry,
    serviceHandlers,
  );
  const bridgeNc = await connectAs(server, bridgeName);
  const caller = await connectAs(server, "gateway");
  const observer = await connectAs(server, "test");
  const lines: string[] = [];
  const bridge = await startBridge({
    nc: bridgeNc,
    services: [orders],
    signingKey,
    log: createLogger({ service: bridgeName, level: "debug", write: (l) => lines.push(l) }),
    timeoutMs: 2000,
    concurrency: 4,
    tickMs: 100,
    // Fewer and shorter than the kit's, to reach the last delivery quickly.
    delivery: { maxDeliver: 3, backoffMs: [20, 40] },
  });
  let stopped = false;
  const jsm = await jetstreamManager(observer);
  const arrivals = (path: string, id?: string) =>
    standIn.arrived.filter((a) => a.path === path && (!id || text(a.body).includes(id)));
  const publishEvent = async (id: string) => {
    const h = headers();
    h.set("traceparent", `00-${"1".repeat(32)}-${"2".repeat(16)}-01`);
    const ack = await jetstream(observer).publish(
      "payments.payment.charged",
      JSON.stringify({ id, type: "payments.payment.charged" }),
      { msgID: id, headers: h },
    );
    return ack.seq;
  };
  const deadLetter = (seq: number) =>
    jsm.streams.getMessage(deadLettersStream.name, {
      last_by_subj: deadLetterSubject("orders", paymentsStream.name, seq),
    }).then((m) => m ?? undefined, () => undefined);
  const settled = async () => {
    const info = await jsm.consumers.info(paymentsStream.name, "orders");
    return info.num_pending + info.num_ack_pending === 0 ? true : undefined;
  };

  try {
    await t.step("an RPC request is forwarded and answered as the service answered", async () => {
      standIn.answer = () => ({
        status: 200,
        body: '{"orderId":"o-1"}',
        headers: { "bridge-nats-headers": natsHeaderValue({ "Reply-Header": ["kept"] }) },
      });
      const h = headers();
      h.set("correlation-id", "c-123");
      const reply = await caller.request(ordersApi.endpoints.getOrder.subject, '{"a":1}', {
        timeout: 3000,
        headers: h,
      });
      assert.equal(reply.string(), '{"orderId":"o-1"}');
      assert.equal(reply.headers?.get("Reply-Header"), "kept");
      const [arrived] = arrivals("/_bridge/rpc/getOrder");
      assert.equal(text(arrived.body), '{"a":1}');
      assert.deepEqual(bridgeKit.decode(arrived.headers).get("correlation-id"), "c-123");
      // The services framework's ping is the bridge's to answer: the service is reachable.
      await serviceAnswers(caller, "orders");
      // The operator's subjects go the same way, by their method name.
      await caller.request("ops.orders.ready", "{}", { timeout: 3000 });
      assert.equal(arrivals("/_bridge/rpc/ready").length, 1);
      // The operator finds the service, with what the bridge forwarded to it.
      const [instance, ...more] = await discoverServices(observer, { service: "orders" });
      assert.deepEqual(more, []);
      assert.match(instance.description, /behind the bridge/);
      const served = new Map(instance.endpoints.map((e) => [e.name, e.requests]));
      assert.deepEqual([served.get("getOrder"), served.get("ready")], [1, 1]);
      assert.ok(served.has("placeOrder") && served.has("rebuildReadModel"));
    });

    await t.step("a service answering 5xx is unavailable to the caller", async () => {
      standIn.answer = () => ({ status: 503, body: "asleep" });
      const client = rpcClient(caller, ordersApi, { timeoutMs: 2000 });
      const ids = { userId: crypto.randomUUID(), orderId: crypto.randomUUID() };
      const error = await client.getOrder(ids).then(() => null, (e) => e);
      assert.ok(error instanceof ServiceError, `a ServiceError, got ${error}`);
      assert.equal(error.kind, "unavailable");
      assert.equal(error.origin, "orders");
      assert.match(error.message, /HTTP 503/);
    });

    await t.step(
      "an operator's request waits past the bridge's timeout; others do not",
      async () => {
        // Answered after the bridge's 2 s: a rebuild or a re-drive runs that long and more.
        standIn.answer = async (a) => {
          // The ticks (every 100 ms) answered at once: only the requests are slow.
          if (!a.path.startsWith("/_bridge/rpc/")) return { status: 200, body: "{}" };
          await new Promise((r) => setTimeout(r, 2300));
          return { status: 200, body: '{"ready":true,"checks":{}}' };
        };
        const client = rpcClient(caller, ordersApi, { timeoutMs: 4000 });
        const ids = { userId: crypto.randomUUID(), orderId: crypto.randomUUID() };
        const [contract, operator] = await Promise.all([
          client.getOrder(ids).then(() => null, (e) => e),
          caller.request("ops.orders.ready", "{}", { timeout: 4000 }),
        ]);
        assert.equal(contract?.kind, "unavailable");
        assert.match(contract.message, /did not answer within 2000 ms/);
        assert.equal(operator.headers?.get("Nats-Service-Error-Code"), undefined);
        assert.deepEqual(operator.json(), { ready: true, checks: {} });
      },
    );

    await t.step("an event answered 2xx is acked once", async () => {
      standIn.answer = () => ({ status: 200, body: '{"outcome":"applied"}' });
      const seq = await publishEvent("ev-ok");
      await eventually(settled);
      const [arrived] = arrivals("/_bridge/events/PAYMENTS", "ev-ok");
      assert.equal(arrivals("/_bridge/events/PAYMENTS", "ev-ok").length, 1);
      assert.equal(arrived.headers.get("bridge-subject"), "payments.payment.charged");
      assert.equal(arrived.headers.get("bridge-stream-seq"), String(seq));
      assert.equal(arrived.headers.get("bridge-delivery-count"), "1");
      assert.equal(bridgeKit.decode(arrived.headers).get("Nats-Msg-Id"), "ev-ok");
      assert.equal(await deadLetter(seq), undefined);
    });

    await t.step("an event answered 5xx is retried, then acked", async () => {
      standIn.answer = (a) =>
        a.headers.get("bridge-delivery-count") === "1" ? { status: 500 } : { status: 200 };
      const seq = await publishEvent("ev-flaky");
      await eventually(settled);
      const counts = arrivals("/_bridge/events/PAYMENTS", "ev-flaky")
        .map((a) => a.headers.get("bridge-delivery-count"));
      assert.deepEqual(counts, ["1", "2"]);
      assert.equal(await deadLetter(seq), undefined);
    });

    await t.step("failing at every delivery, it is given up on and dead-lettered", async () => {
      let givenUpCalls = 0;
      standIn.answer = (a) => {
        if (!a.path.startsWith("/_bridge/given-up/")) return { status: 500 };
        // The first given-up call fails too: the message comes back, nothing is lost.
        return ++givenUpCalls === 1 ? { status: 503 } : { status: 200 };
      };
      const seq = await publishEvent("ev-failing");
      const letter = await eventually(() => deadLetter(seq));
      await eventually(settled);
      assert.match(
        letter.header.get(deadLetterHeaders.reason),
        /failed \d times: answered HTTP 500/,
      );
      assert.equal(letter.header.get(deadLetterHeaders.service), "orders");
      assert.equal(letter.subject, deadLetterSubject("orders", "PAYMENTS", seq));
      assert.match(text(letter.data), /ev-failing/);
      const events = arrivals("/_bridge/events/PAYMENTS", "ev-failing");
      assert.deepEqual(events.map((a) => a.headers.get("bridge-delivery-count")), [
        "1",
        "2",
        "3",
        "4",
      ]);
      const givenUp = arrivals("/_bridge/given-up/PAYMENTS", "ev-failing");
      assert.equal(givenUp.length, 2);
      assert.match(givenUp[1].headers.get("bridge-reason")!, /failed 4 times/);
    });

    await t.step("an event answered 422 is dead-lettered at once", async () => {
      standIn.answer = (a) =>
        a.path.startsWith("/_bridge/events/")
          ? { status: 422, body: JSON.stringify({ kind: "invalid", detail: "no envelope" }) }
          : { status: 200 };
      const seq = await publishEvent("ev-invalid");
      const letter = await eventually(() => deadLetter(seq));
      await eventually(settled);
      assert.equal(letter.header.get(deadLetterHeaders.reason), "invalid: no envelope");
      assert.equal(arrivals("/_bridge/events/PAYMENTS", "ev-invalid").length, 1);
      const [givenUp] = arrivals("/_bridge/given-up/PAYMENTS", "ev-invalid");
      assert.equal(givenUp.headers.get("bridge-reason"), "invalid: no envelope");
    });

    await t.step("every request is signed for its path and body, and the tick comes", async () => {
      await eventually(() => Promise.resolve(arrivals("/_bridge/tick").length > 0 || undefined));
      assert.deepEqual(standIn.refused, []);
      const [sample] = arrivals("/_bridge/events/PAYMENTS", "ev-ok");
      const received = {
        authorization: sample.authorization,
        method: "POST",
        url: `${standIn.url}${sample.path}`,
        body: sample.body,
      };
      await bridgeKit.verify(publicKey, "orders", received);
      const tampered = new Uint8Array(sample.body);
      tampered[0] ^= 1;
      assert.equal(
        await bridgeKit.reason(publicKey, "orders", { ...received, body: tampered }),
        "body",
      );
      assert.equal(
        await bridgeKit.reason(publicKey, "orders", { ...received, url: "/_bridge/tick" }),
        "path",
      );
      assert.equal(await bridgeKit.reason(publicKey, "payments", received), "audience");
    });

    await t.step("the bridge's identity cannot do what it does not carry", async () => {
      await assert.rejects(jetstream(bridgeNc).publish("orders.order.placed", "forged"));
      assert.ok(await refused(server, bridgeName, "Publish", "orders.order.placed"));
      await assert.rejects(bridgeNc.request("rpc.users.login", "{}", { timeout: 1000 }));
      assert.ok(await refused(server, bridgeName, "Publish", "rpc.users.login"));
      bridgeNc.subscribe("rpc.payments.>", { queue: "payments", callback: () => {} });
      assert.ok(await refused(server, bridgeName, "Subscription", "rpc.payments.>"));
      const bridgeJsm = await jetstreamManager(bridgeNc);
      await assert.rejects(bridgeJsm.consumers.info("ORDERS", "payments"), /Permissions Violation/);
      await assert.rejects(bridgeJsm.streams.delete("PAYMENTS"), /Permissions Violation/);
      await assert.rejects(jetstream(bridgeNc).publish("deadletter.payments.ORDERS.1", "forged"));
      // Positive control: its own carried durable it reads.
      assert.equal((await bridgeJsm.consumers.info("PAYMENTS", "orders")).name, "orders");
    });

    await t.step("stopping finishes the delivery in hand, then takes no more", async () => {
      const held = Promise.withResolvers<void>();
      const arrived = Promise.withResolvers<void>();
      standIn.answer = async () => (arrived.resolve(), await held.promise, { status: 200 });
      await publishEvent("ev-in-flight");
      await arrived.promise;
      const stopping = bridge.stop().then(() => stopped = true);
      held.resolve();
      await stopping;
      // Settled by the bridge before it stopped: its connection is gone now.
      await bridgeNc.close();
      await eventually(settled, 3000);
      await assert.rejects(
        caller.request(ordersApi.endpoints.getOrder.subject, "{}", { timeout: 500 }),
      );
    });
  } finally {
    if (!stopped) await bridge.stop();
    for (const nc of [bridgeNc, caller, observer]) await nc.close();
    await standIn.close();
    await server.dispose();
  }
});
