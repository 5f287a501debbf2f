/**
 * The NATS boundaries, on a real nats-server configured with the permissions generated from the
 * registry (infra/nats/permissions.ts): each step shows an identity refused something and, as the
 * positive control, the identity that may do it doing it. Each fails if the permission is
 * loosened: the forbidden message would arrive, and the server would log no violation.
 */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ensureStream } from "../shared/bus/mod.ts";
import { ordersStream, paymentsStream } from "../shared/contracts/mod.ts";
import { createIdentity } from "../infra/nats/credentials.ts";
import { registry } from "../services/registry.ts";
import { startNatsServer } from "./harness/nats_server.ts";
import { connectAs, received, refused, signInAnswer } from "./harness/bus_identities.ts";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("NATS identities: each service may do what it declares and nothing else", async (t) => {
  const server = await startNatsServer();
  const connections = new Map<string, Awaited<ReturnType<typeof connectAs>>>();
  const as = async (name: string) => {
    if (!connections.has(name)) connections.set(name, await connectAs(server, name));
    return connections.get(name)!;
  };
  const observer = await as("test");
  await ensureStream(observer, ordersStream);
  await ensureStream(observer, paymentsStream);
  const jsm = await jetstreamManager(observer);
  const messagesIn = async (stream: string) => (await jsm.streams.info(stream)).state.messages;
  try {
    await t.step("an anonymous client, or one with an unknown key, is refused", async () => {
      assert.match(await signInAnswer(server.url), /^-ERR 'Authorization Violation'/);
      const stranger = createIdentity("stranger");
      assert.match(
        await signInAnswer(server.url, stranger.seed),
        /^-ERR 'Authorization Violation'/,
      );
      // Positive control: a configured identity gets in, by hand and with nats.js.
      assert.equal(await signInAnswer(server.url, server.seed("users")), "PONG");
      const users = await as("users");
      await users.flush();
    });

    await t.step("payments' identity cannot publish orders.order.placed; orders' can", async () => {
      const before = await messagesIn("ORDERS");
      const payments = await as("payments");
      payments.publish("orders.order.placed", "forged");
      payments.publish("orders.order.cancelled", "forged");
      await payments.flush();
      assert.ok(await refused(server, "payments", "Publish", "orders.order.placed"));
      assert.ok(await refused(server, "payments", "Publish", "orders.order.cancelled"));
      await assert.rejects(jetstream(payments).publish("orders.order.placed", "forged"));
      assert.equal(await messagesIn("ORDERS"), before);
      // Positive control: the owner of the stream publishes to it.
      await jetstream(await as("orders")).publish("orders.order.placed", "fact");
      assert.equal(await messagesIn("ORDERS"), before + 1);
      // Nor may anyone but payments state a payment fact.
      const catalog = await as("catalog");
      await assert.rejects(jetstream(catalog).publish("payments.payment.charged", "forged"));
      assert.ok(await refused(server, "catalog", "Publish", "payments.payment.charged"));
    });

    await t.step(
      "catalog's identity cannot call rpc.payments.deposit; the gateway's can",
      async () => {
        const payments = await received(await as("payments"), "rpc.payments.deposit", {
          queue: "payments",
          reply: "{}",
        });
        const catalog = await as("catalog");
        await assert.rejects(catalog.request("rpc.payments.deposit", "{}", { timeout: 1000 }));
        assert.ok(await refused(server, "catalog", "Publish", "rpc.payments.deposit"));
        assert.equal(payments.count(), 0);
        // Positive control: the gateway declares it calls payments.
        const reply = await (await as("gateway")).request("rpc.payments.deposit", "{}", {
          timeout: 2000,
        });
        assert.equal(reply.string(), "{}");
        assert.equal(payments.count(), 1);
        payments.close();
      },
    );

    await t.step(
      "only users' identity can receive rpc.users.login, or read its replies",
      async () => {
        const users = await received(await as("users"), "rpc.users.login", {
          queue: "users",
          reply: '{"token":"secret"}',
        });
        const others = registry.map((s) => s.name).filter((name) => name !== "users");
        const eavesdroppers = [];
        for (const name of [...others, "operator"]) {
          const nc = await as(name);
          eavesdroppers.push(await received(nc, "rpc.users.login"));
          eavesdroppers.push(await received(nc, "rpc.users.login", { queue: "users" }));
          // Every reply inbox, and the caller's (the gateway's): where a login's token goes.
          eavesdroppers.push(await received(nc, "_INBOX.>"));
          if (name !== "gateway") eavesdroppers.push(await received(nc, "_INBOX.gateway.>"));
        }
        const reply = await (await as("gateway")).request("rpc.users.login", "{}", {
          timeout: 2000,
        });
        // Positive control: users got it and answered; nobody else saw the request or the reply.
        assert.equal(reply.string(), '{"token":"secret"}');
        assert.equal(users.count(), 1);
        await wait(200);
        assert.deepEqual(eavesdroppers.map((e) => e.count()), eavesdroppers.map(() => 0));
        for (const name of [...others, "operator"]) {
          assert.ok(await refused(server, name, "Subscription", "rpc.users.login"), name);
          assert.ok(await refused(server, name, "Subscription", "_INBOX.>"), name);
        }
        assert.ok(await refused(server, "orders", "Subscription", "_INBOX.gateway.>"));
        users.close();
      },
    );

    await t.step("no service but catalog can join catalog's queue group", async () => {
      const catalog = await received(await as("catalog"), "rpc.catalog.>", {
        queue: "catalog",
        reply: "{}",
      });
      const intruders = [];
      for (const name of registry.map((s) => s.name).filter((name) => name !== "catalog")) {
        const nc = await as(name);
        intruders.push(await received(nc, "rpc.catalog.>", { queue: "catalog", reply: "{}" }));
        intruders.push(
          await received(nc, "rpc.catalog.productBySku", { queue: "catalog", reply: "{}" }),
        );
      }
      const orders = await as("orders");
      for (let i = 0; i < 10; i++) {
        await orders.request("rpc.catalog.productBySku", "{}", { timeout: 2000 });
      }
      // Positive control: catalog answered all ten; no intruder took one.
      assert.equal(catalog.count(), 10);
      assert.deepEqual(intruders.map((i) => i.count()), intruders.map(() => 0));
      assert.ok(await refused(server, "payments", "Subscription", "rpc.catalog.>"));
      catalog.close();
    });

    await t.step(
      "notifications cannot read PAYMENTS or delete any stream; it reads ORDERS",
      async () => {
        const notifications = await jetstreamManager(await as("notifications"));
        await assert.rejects(notifications.streams.info("PAYMENTS"), /Permissions Violation/);
        await assert.rejects(
          notifications.streams.getMessage("PAYMENTS", { seq: 1 }),
          /Permissions Violation/,
        );
        await assert.rejects(
          notifications.consumers.add("PAYMENTS", { name: "peek" }),
          /Permissions Violation/,
        );
        for (const stream of ["PAYMENTS", "ORDERS", "DEADLETTERS", "AUDIT"]) {
          await assert.rejects(notifications.streams.delete(stream), /Permissions Violation/);
        }
        // Not another service's durable on a stream it reads, either.
        await assert.rejects(
          notifications.consumers.delete("ORDERS", "payments"),
          /Permissions Violation/,
        );
        // Positive control: ORDERS, which it reacts to, it reads; the streams are all still there.
        assert.ok((await notifications.streams.info("ORDERS")).state.messages > 0);
        assert.ok(await messagesIn("PAYMENTS") >= 0);
      },
    );

    await t.step("the operator may replay; a service identity may not", async () => {
      const history = await received(await as("history"), "ops.history.>", {
        queue: "history",
        reply: "{}",
      });
      for (const name of ["orders", "gateway", "history"]) {
        const nc = await as(name);
        await assert.rejects(nc.request("ops.history.replay", "{}", { timeout: 1000 }), name);
        assert.ok(await refused(server, name, "Publish", "ops.history.replay"), name);
      }
      assert.equal(history.count(), 0);
      // Positive control: the operator's request arrives and is answered.
      const reply = await (await as("operator")).request("ops.history.replay", "{}", {
        timeout: 2000,
      });
      assert.equal(reply.string(), "{}");
      assert.equal(history.count(), 1);
      history.close();
    });
  } finally {
    for (const nc of connections.values()) await nc.close();
    await server.dispose();
  }
});
