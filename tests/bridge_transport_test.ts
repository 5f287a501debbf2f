/**
 * A service behind the bridge (TRANSPORT=bridge), driven by HTTP requests signed as the bridge
 * signs them: payments on a real nats-server and a real database, its `fetch` called with the
 * requests the bridge would send. It subscribes to nothing; its RPC answers are the bytes its
 * NATS twin answers; its events go through the same inbox and outbox; a request that is not the
 * bridge's runs nothing.
 */
import assert from "node:assert/strict";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ServiceErrorCodeHeader, ServiceErrorHeader } from "@nats-io/services";
import { eq } from "drizzle-orm";
import {
  decodeNatsHeaderRecord,
  encodeNatsHeaders,
  generateBridgeKeys,
  importBridgeSigningKey,
  signBridgeRequest,
} from "../shared/bridge/mod.ts";
import { connectNats, isNoResponders } from "../shared/bus/mod.ts";
import {
  type Envelope,
  orderPlaced,
  paymentRefunded,
  stockRejected,
} from "../shared/contracts/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { createEvent, enqueueEvent } from "../shared/outbox/mod.ts";
import type { RunningService } from "../shared/runtime/mod.ts";
import { charges, inbox, outbox, wallets } from "../services/payments/db/schema.ts";
import { startPayments } from "../services/payments/service.ts";
import { startBridge } from "../bridge/bridge.ts";
import { carriedFrom } from "../bridge/carried.ts";
import { serviceHandlers } from "../infra/service_handlers.ts";
import { registry } from "../services/registry.ts";
import { testDatabases } from "./harness/databases.ts";
import { eventually } from "./harness/eventually.ts";
import { startNatsServer } from "./harness/nats_server.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const config = { STARTING_BALANCE_CENTS: 5000 };

Deno.test("bridge transport: a service behind the bridge answers, applies and sweeps over HTTP", async (t) => {
  const server = await startNatsServer({ authorization: false });
  const databases = await testDatabases();
  const database = await databases.open("payments");
  const { db } = database;
  const connections: NatsConnection[] = [];
  const connect = async (name: string) => {
    const nc = await connectNats(server.url, name);
    connections.push(nc);
    return nc;
  };
  const nc = await connect("bridge-transport-test");
  // Its error lines (the given-up refund logs one) are kept, not printed.
  const logged: string[] = [];
  const log = createLogger({ service: "payments", level: "error", write: (l) => logged.push(l) });
  const keys = await generateBridgeKeys();
  const signingKey = await importBridgeSigningKey(keys.signingKey);
  const bridged = await startPayments({
    config,
    nc: await connect("payments-bridged"),
    database,
    log,
    transport: { TRANSPORT: "bridge", BRIDGE_PUBLIC_KEY: keys.publicKey },
  });
  let twin: RunningService | undefined;

  /** A POST to `path` as the bridge sends it; `forge` changes what the token is made for. */
  async function bridgeRequest(
    path: string,
    body: string | Uint8Array,
    headers: Record<string, string> = {},
    forge: {
      audience?: string;
      nowMs?: number;
      signedBody?: string;
      signedPath?: string;
      unsigned?: boolean;
    } = {},
  ): Promise<Response> {
    const bytes = typeof body === "string" ? encoder.encode(body) : body;
    const authorization = forge.unsigned ? undefined : await signBridgeRequest(signingKey, {
      audience: forge.audience ?? "payments",
      method: "POST",
      pathAndQuery: forge.signedPath ?? path,
      body: forge.signedBody === undefined ? bytes : encoder.encode(forge.signedBody),
    }, forge.nowMs);
    return await bridged.fetch(
      new Request(`http://payments.example${path}`, {
        method: "POST",
        body: bytes as Uint8Array<ArrayBuffer>,
        headers: { ...headers, ...(authorization ? { authorization } : {}) },
      }),
    );
  }

  /** The event delivery the bridge makes for a JetStream message of `stream`. */
  const delivery = (event: Envelope, seq: number) => ({
    "bridge-subject": event.type,
    "bridge-stream-seq": String(seq),
    "bridge-delivery-count": "1",
    "bridge-nats-headers": encodeNatsHeaders({ "Nats-Msg-Id": [event.id] })!,
  });
  const placed = (orderId: string, userId: string, totalCents = 700) =>
    createEvent(orderPlaced, {
      orderId,
      userId,
      items: [{ productId: crypto.randomUUID(), quantity: 1, unitPriceCents: totalCents }],
      totalCents,
    }, { source: "orders", correlationId: crypto.randomUUID() });
  const outboxOf = async (correlationId: string) =>
    (await db.select().from(outbox)).filter((row) =>
      (JSON.parse(row.payload) as Envelope).correlationId === correlationId
    );

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
      await twin.stop();
      twin = undefined;
    });

    await t.step(
      "an event over HTTP is applied once and publishes through the outbox",
      async () => {
        const userId = crypto.randomUUID();
        const event = placed(crypto.randomUUID(), userId);
        const first = await bridgeRequest("/_bridge/events/ORDERS", JSON.stringify(event), {
          ...delivery(event, 41),
        });
        assert.equal(first.status, 200);
        assert.deepEqual(await first.json(), { outcome: "applied", eventId: event.id });
        const again = await bridgeRequest("/_bridge/events/ORDERS", JSON.stringify(event), {
          ...delivery(event, 41),
        });
        assert.equal(again.status, 200);
        assert.deepEqual(await again.json(), { outcome: "duplicate", eventId: event.id });
        const charged = await db.select().from(charges).where(
          eq(charges.orderId, event.data.orderId),
        );
        assert.equal(charged.length, 1, "charged once");
        const [seen] = await db.select().from(inbox).where(eq(inbox.eventId, event.id));
        assert.deepEqual([seen.stream, seen.streamSeq], ["ORDERS", 41], "its stream position kept");
        const rows = await outboxOf(event.correlationId);
        assert.deepEqual(rows.map((row) => row.subject), ["payments.payment.charged"]);
        // The relay publishes it after the commit, to the service's stream.
        const jsm = await jetstreamManager(nc);
        await eventually(async () => {
          const last = await jsm.streams.getMessage("PAYMENTS", {
            last_by_subj: "payments.payment.charged",
          }).catch(() => null);
          return last?.json<Envelope>().causationId === event.id || undefined;
        });
      },
    );

    await t.step(
      "a body that is no event is 422 (dead-lettered at once); nothing applied",
      async () => {
        const before = (await db.select().from(inbox)).length;
        for (const body of ["not json", JSON.stringify({ hello: "world" })]) {
          const answer = await bridgeRequest("/_bridge/events/ORDERS", body, {
            "bridge-subject": "orders.order.placed",
          });
          assert.equal(answer.status, 422, body);
          assert.equal(answer.headers.get("content-type"), "application/problem+json");
          assert.equal((await answer.json()).kind, "invalid");
        }
        assert.equal((await db.select().from(inbox)).length, before);
        const unknown = await bridgeRequest("/_bridge/events/HISTORY", "{}", {
          "bridge-subject": "history.x",
        });
        assert.equal(unknown.status, 404, "a stream payments does not react to: retried, not lost");
        await unknown.body?.cancel();
      },
    );

    await t.step("the given-up route runs the handler's onDeadLetter", async () => {
      const userId = crypto.randomUUID();
      const charge = placed(crypto.randomUUID(), userId);
      const applied = await bridgeRequest("/_bridge/events/ORDERS", JSON.stringify(charge), {
        ...delivery(charge, 42),
      });
      assert.equal(applied.status, 200);
      await applied.body?.cancel();
      const rejected = createEvent(stockRejected, {
        orderId: charge.data.orderId,
        userId,
        shortages: [],
      }, { source: "catalog", correlationId: crypto.randomUUID() });
      const givenUp = await bridgeRequest("/_bridge/given-up/CATALOG", JSON.stringify(rejected), {
        ...delivery(rejected, 7),
        "bridge-delivery-count": "5",
        "bridge-reason": "failed 5 times: the refund could not run",
      });
      assert.equal(givenUp.status, 200);
      assert.deepEqual(await givenUp.json(), { outcome: "given_up" });
      const stated = await outboxOf(rejected.correlationId);
      assert.deepEqual(stated.map((row) => row.subject), ["payments.refund.failed"]);
      assert.match(JSON.parse(stated[0].payload).data.error, /the refund could not run/);
    });

    await t.step(
      "the tick publishes an outbox row left behind and runs the periodic work",
      async () => {
        // Written, but no relay was told of it: as a crash between the commit and the publish.
        const left = createEvent(paymentRefunded, {
          orderId: crypto.randomUUID(),
          userId: crypto.randomUUID(),
          amountCents: 100,
        }, { source: "payments", correlationId: crypto.randomUUID() });
        await enqueueEvent(db, outbox, left);
        const tick = await bridgeRequest("/_bridge/tick", "");
        assert.equal(tick.status, 200);
        const report = await tick.json();
        assert.equal(report.outbox, "swept");
        const [row] = await db.select().from(outbox).where(eq(outbox.id, left.id));
        assert.ok(row.publishedAt, "published by the tick's sweep, before it answered");
        const works = Object.values(report.works);
        assert.ok(works.length >= 2 && works.every((outcome) => outcome === "ran"), report);
        // Done within its interval: the next tick leaves it.
        const next = await (await bridgeRequest("/_bridge/tick", "")).json();
        assert.ok(Object.values(next.works).every((outcome) => outcome === "not due"), next);
      },
    );

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
  } finally {
    await twin?.stop();
    await bridged.stop();
    for (const connection of connections) await connection.close();
    await databases.close();
    await server.dispose();
  }
});
