/**
 * A service behind the bridge (TRANSPORT=bridge), driven by HTTP requests signed as the bridge
 * signs them (tests/harness/bridged_payments.ts): it subscribes to nothing on NATS, its RPC
 * answers are the bytes its NATS twin answers, a request that is not the bridge's runs nothing,
 * and E1's real bridge reaches it. Its events and tick: bridge_transport_events_test.ts.
 */
import assert from "node:assert/strict";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ServiceErrorCodeHeader, ServiceErrorHeader } from "@nats-io/services";
import { eq } from "drizzle-orm";
import { startBridge } from "../bridge/bridge.ts";
import { carriedFrom } from "../bridge/carried.ts";
import { serviceHandlers } from "../infra/service_handlers.ts";
import { registry } from "../services/registry.ts";
import { charges, inbox, wallets } from "../services/payments/db/schema.ts";
import { startPayments } from "../services/payments/service.ts";
import { decodeNatsHeaderRecord, encodeNatsHeaders } from "../shared/bridge/mod.ts";
import { isNoResponders } from "../shared/bus/mod.ts";
import { ConfigError } from "../shared/config/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import type { RunningService } from "../shared/runtime/mod.ts";
import { startBridgedPayments } from "./harness/bridged_payments.ts";
import { eventually } from "./harness/eventually.ts";

const decoder = new TextDecoder();

Deno.test("bridge transport: a service behind the bridge subscribes to nothing, answers only the bridge", async (t) => {
  const payments = await startBridgedPayments();
  const { nc, bridged, signingKey, connect, delivery, placed, send: bridgeRequest } = payments;
  const { database } = payments;
  const { db } = database;
  const log = createLogger({ service: "payments", level: "error", write: () => {} });
  const config = { STARTING_BALANCE_CENTS: 5000 };
  let twin: RunningService | undefined;
  try {
    await t.step("it subscribes to nothing: a NATS request gets no responders", async () => {
      for (const subject of ["rpc.payments.getWallet", "ops.payments.ready"]) {
        await assert.rejects(
          nc.request(subject, JSON.stringify({ userId: crypto.randomUUID() }), { timeout: 2000 }),
          (error) => isNoResponders(error),
          subject,
        );
      }
      const jsm = await jetstreamManager(nc);
      const durables = [];
      for await (const stream of jsm.streams.list()) {
        for await (const consumer of jsm.consumers.list(stream.config.name)) {
          durables.push(`${stream.config.name}/${consumer.name}`);
        }
      }
      assert.deepEqual(durables, [], "no durable consumer was made");
      // Ready with no consumer to wait for.
      const ready = await bridged.fetch(new Request("http://payments.example/ready"));
      assert.equal(ready.status, 200);
      assert.deepEqual(Object.keys((await ready.json()).checks).sort(), ["database", "nats"]);
    });
    await t.step("an RPC over HTTP answers what the service answers over NATS", async () => {
      twin = await startPayments({
        config,
        nc: await connect("payments-twin"),
        database,
        log,
        transport: { TRANSPORT: "nats" },
      });
      const userId = crypto.randomUUID();
      const cases: {
        method: string;
        subject: string;
        body: unknown;
        headers?: Record<string, string>;
      }[] = [
        { method: "getWallet", subject: "rpc.payments.getWallet", body: { userId } },
        // invalid: the contract refuses it
        { method: "getWallet", subject: "rpc.payments.getWallet", body: { userId: "nobody" } },
        // not_found, from the operator's endpoints (addressed by subject)
        {
          method: "ops.payments.outbox.requeue",
          subject: "ops.payments.outbox.requeue",
          body: { id: crypto.randomUUID() },
        },
        // deadline: the caller's budget, from its headers, had run out
        {
          method: "getWallet",
          subject: "rpc.payments.getWallet",
          body: { userId },
          headers: { "deadline-budget-ms": "0" },
        },
      ];
      const codes = [];
      for (const { method, subject, body, headers = {} } of cases) {
        const h = natsHeaders();
        for (const [name, value] of Object.entries(headers)) h.set(name, value);
        const overNats = await nc.request(subject, JSON.stringify(body), {
          headers: h,
          timeout: 5000,
        });
        const carried = encodeNatsHeaders(Object.fromEntries(
          Object.entries(headers).map(([name, value]) => [name, [value]]),
        ));
        const overHttp = await bridgeRequest(
          `/_bridge/rpc/${method}`,
          JSON.stringify(body),
          carried ? { "bridge-nats-headers": carried } : {},
        );
        assert.equal(overHttp.status, 200, `${subject}: ${overNats.string()}`);
        const replied = decodeNatsHeaderRecord(overHttp.headers.get("bridge-nats-headers"));
        assert.equal(decoder.decode(await overHttp.bytes()), overNats.string(), subject);
        const code = overNats.headers?.get(ServiceErrorCodeHeader) || undefined;
        assert.deepEqual(replied[ServiceErrorCodeHeader], code && [code], subject);
        assert.deepEqual(
          replied[ServiceErrorHeader],
          code && [overNats.headers!.get(ServiceErrorHeader)],
        );
        codes.push(code ?? "ok");
      }
      assert.deepEqual(codes, ["ok", "400", "404", "504"]);
      // The twin on NATS is ready only with its durables, one per stream it reacts to.
      const ready = await twin.fetch(new Request("http://payments.example/ready"));
      assert.deepEqual(Object.keys((await ready.json()).checks).sort(), [
        "consumer CATALOG",
        "consumer ORDERS",
        "consumer USERS",
        "database",
        "nats",
      ]);
      await twin.stop();
      twin = undefined;
    });
    await t.step("a request that is not the bridge's is 401 and runs nothing", async () => {
      const userId = crypto.randomUUID();
      const event = placed(crypto.randomUUID(), userId);
      const body = JSON.stringify(event);
      const headers = delivery(event, 50);
      const deposit = JSON.stringify({ userId, amountCents: 100 });
      const events = "/_bridge/events/ORDERS";
      const forged: Record<string, () => Promise<Response>> = {
        unsigned: () => bridgeRequest(events, body, headers, { unsigned: true }),
        expired: () => bridgeRequest(events, body, headers, { nowMs: Date.now() - 120_000 }),
        "for another service": () => bridgeRequest(events, body, headers, { audience: "orders" }),
        "for another body": () =>
          bridgeRequest("/_bridge/rpc/deposit", deposit, {}, {
            signedBody: JSON.stringify({ userId, amountCents: 1 }),
          }),
        "for another path": () =>
          bridgeRequest("/_bridge/rpc/deposit", deposit, {}, {
            signedPath: "/_bridge/rpc/getWallet",
          }),
        "not a token": () =>
          Promise.resolve(bridged.fetch(
            new Request("http://payments.example/_bridge/tick", {
              method: "POST",
              headers: { authorization: "Bridge x.y.z" },
            }),
          )),
      };
      for (const [name, send] of Object.entries(forged)) {
        const answer = await send();
        assert.equal(answer.status, 401, name);
        assert.equal(answer.headers.get("content-type"), "application/problem+json");
        assert.equal((await answer.json()).kind, "unauthenticated", name);
      }
      assert.deepEqual(await db.select().from(inbox).where(eq(inbox.eventId, event.id)), []);
      assert.deepEqual(
        await db.select().from(charges).where(eq(charges.orderId, event.data.orderId)),
        [],
      );
      assert.deepEqual(await db.select().from(wallets).where(eq(wallets.userId, userId)), []);
      // Outside /_bridge/ the service's own HTTP face answers as ever.
      const health = await bridged.fetch(new Request("http://payments.example/health"));
      assert.equal(health.status, 200);
      await health.body?.cancel();
    });
    await t.step(
      "through the real bridge: a NATS request is answered, an event consumed",
      async () => {
        // The bridge's HTTP requests go straight to the service's fetch, in this process.
        const bridge = await startBridge({
          nc: await connect("bridge"),
          services: carriedFrom(
            [{ name: "payments", baseUrl: "http://payments.example" }],
            registry,
            serviceHandlers,
          ),
          signingKey,
          log: createLogger({ service: "bridge", level: "error" }),
          timeoutMs: 5000,
          concurrency: 1,
          tickMs: 0,
          fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
            Promise.resolve(bridged.fetch(new Request(input, init)))) as typeof fetch,
        });
        try {
          const userId = crypto.randomUUID();
          const wallet = await nc.request(
            "rpc.payments.getWallet",
            JSON.stringify({ userId }),
            { timeout: 5000 },
          );
          assert.deepEqual(wallet.json(), { balanceCents: 5000 });
          const event = placed(crypto.randomUUID(), userId, 300);
          await jetstream(nc).publish(event.type, JSON.stringify(event), { msgID: event.id });
          await eventually(async () =>
            (await db.select().from(charges).where(eq(charges.orderId, event.data.orderId)))[0]
          );
        } finally {
          await bridge.stop();
        }
      },
    );

    await t.step("a bridge transport without a usable key refuses to start", async () => {
      for (const key of ["not a key", undefined]) {
        await assert.rejects(
          startPayments({
            config,
            nc,
            database,
            log,
            transport: { TRANSPORT: "bridge", BRIDGE_PUBLIC_KEY: key },
          }),
          (error) => error instanceof ConfigError && /BRIDGE_PUBLIC_KEY/.test(error.message),
        );
      }
    });
  } finally {
    await twin?.stop();
    await payments.close();
  }
});
