import assert from "node:assert/strict";
import { DiscardPolicy, JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import { NoRespondersError, RequestError } from "@nats-io/nats-core";
import { eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { outbox } from "../../services/users/db/schema.ts";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { eventually } from "../../tests/harness/eventually.ts";
import { connectNats, ensureStream } from "../bus/mod.ts";
import { userRegistered, usersStream } from "../contracts/mod.ts";
import { createLogger } from "../log/mod.ts";
import { createEvent, enqueueEvent, startOutboxRelay, withOutboxRow } from "./mod.ts";
import { failureKind } from "./publish.ts";
import { subjectWithin } from "../bus/subject_subset.ts";
import { discardParked, listParked, requeueParked } from "./parked.ts";

const origin = { source: "users", correlationId: "c-1" };
const newEvent = () =>
  createEvent(userRegistered, {
    userId: crypto.randomUUID(),
    email: "a@example.com",
    name: "A",
  }, origin);

Deno.test("outbox relay", async (t) => {
  const server = await startNatsServer({ authorization: false });
  const databases = await testDatabases();
  const { db } = await databases.open("users");
  const nc = await connectNats(server.url, "relay-test");
  await ensureStream(nc, usersStream);
  const jsm = await jetstreamManager(nc);
  const messages = async () => (await jsm.streams.info(usersStream.name)).state.messages;
  const log = createLogger({ service: "users", level: "error" });
  const relay = startOutboxRelay({ service: "users", db, table: outbox, nc, log, pollMs: 100 });
  try {
    await t.step("publishes committed events in commit order, once each", async () => {
      const events = [newEvent(), newEvent(), newEvent()];
      await db.transaction(async (tx) => {
        for (const event of events) await enqueueEvent(tx, outbox, event);
      });
      relay.wake();
      await relay.flush();
      assert.equal(await messages(), 3);
      for (let seq = 1; seq <= 3; seq++) {
        const stored = await jsm.streams.getMessage(usersStream.name, { seq });
        assert.ok(stored);
        assert.equal(stored.header.get("Nats-Msg-Id"), events[seq - 1].id);
        assert.deepEqual(stored.json(), events[seq - 1]);
      }
      assert.equal((await db.select().from(outbox).where(isNull(outbox.publishedAt))).length, 0);
    });

    await t.step("a row published again (crash before it was marked) is dropped", async () => {
      await db.update(outbox).set({ publishedAt: null });
      relay.wake();
      await relay.flush();
      assert.equal(await messages(), 3);
    });

    await t.step("an event written while NATS is down is published once it is back", async () => {
      await server.stop();
      const event = newEvent();
      await db.transaction((tx) => enqueueEvent(tx, outbox, event));
      relay.wake();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(
        (await db.select().from(outbox).where(isNull(outbox.publishedAt))).length,
        1,
      );
      await server.start();
      const until = Date.now() + 10_000;
      while ((await messages().catch(() => 0)) < 4 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(await messages(), 4);
    });

    await t.step("each event is sent once, and marked by the relay's next query", async () => {
      // A core subscription sees every publish, even one the stream would drop as a duplicate.
      const sent: string[] = [];
      const sub = nc.subscribe("users.>", {
        callback: (_error, msg) => void sent.push(msg.headers?.get("Nats-Msg-Id") ?? ""),
      });
      const events = [newEvent(), newEvent(), newEvent()];
      for (const event of events) {
        await db.transaction((tx) => enqueueEvent(tx, outbox, event));
        relay.wake();
      }
      await eventually(async () =>
        (await db.select().from(outbox).where(isNull(outbox.publishedAt))).length === 0 || undefined
      );
      await new Promise((r) => setTimeout(r, 300)); // three more polls: none sends again
      sub.unsubscribe();
      assert.deepEqual(sent.sort(), events.map((event) => event.id).sort());
    });
    await t.step("told of a commit, it publishes what the transaction wrote, once", async () => {
      const sent: string[] = [];
      const sub = nc.subscribe("users.>", {
        callback: (_error, msg) => void sent.push(msg.headers?.get("Nats-Msg-Id") ?? ""),
      });
      const events = [newEvent(), newEvent()];
      let committedTx: Database | undefined;
      await db.transaction(async (tx) => {
        for (const event of events) await enqueueEvent(tx, outbox, event);
        committedTx = tx;
      });
      const before = await messages();
      // A wake at the same time reads the table: neither sends what the other is sending.
      relay.committed(committedTx!);
      relay.wake();
      await relay.flush();
      await new Promise((r) => setTimeout(r, 300));
      sub.unsubscribe();
      assert.equal(await messages(), before + 2);
      assert.deepEqual(sent, events.map((event) => event.id));
      assert.equal((await db.select().from(outbox).where(isNull(outbox.publishedAt))).length, 0);
    });

    await t.step(
      "told of a row a statement of its own stored, it publishes it at once",
      async () => {
        await relay.stop(); // its poll would find the row too
        const quiet = startOutboxRelay({
          service: "users",
          db,
          table: outbox,
          nc,
          log,
          pollMs: 60_000,
        });
        try {
          await quiet.flush();
          const before = await messages();
          const event = newEvent();
          await withOutboxRow(event, async (row) => {
            await db.insert(outbox).values(row);
            quiet.stored([row]);
          });
          await eventually(async () => (await messages()) === before + 1 || undefined, 5_000);
          const last = await jsm.streams.getMessage(usersStream.name, { last_by_subj: event.type });
          assert.equal(last?.json<{ id: string }>().id, event.id);
        } finally {
          await quiet.stop();
        }
      },
    );

    await t.step("a row the server can never take is parked; the rows after it go", async () => {
      const before = await messages();
      // Over the server's max_payload (1 MiB): written directly, as enqueueEvent refuses it.
      const big = { ...newEvent(), data: { padding: "x".repeat(1_100_000) } };
      const events = [newEvent(), newEvent()];
      await db.transaction(async (tx) => {
        await tx.insert(outbox).values({
          id: big.id,
          subject: big.type,
          payload: JSON.stringify(big),
          headers: null,
        });
        for (const event of events) await enqueueEvent(tx, outbox, event);
      });
      const parking = startOutboxRelay({ service: "users", db, table: outbox, nc, log });
      try {
        await parking.flush();
        assert.equal(await messages(), before + 2);
        const [row] = await listParked(db, outbox);
        assert.equal(row.id, big.id);
        assert.equal(row.attempts, 1);
        assert.match(row.lastError ?? "", /max_payload/);
        // Parked, it is not tried again.
        await parking.flush();
        assert.equal((await listParked(db, outbox))[0].attempts, 1);
        assert.equal((await db.select().from(outbox).where(isNull(outbox.publishedAt))).length, 1);
        // Discarded by an operator, it is gone.
        assert.equal((await discardParked(db, outbox, big.id))?.id, big.id);
        assert.deepEqual(await listParked(db, outbox), []);
        assert.equal(await discardParked(db, outbox, big.id), null);
      } finally {
        await parking.stop();
      }
    });

    await t.step("a failure the stream may stop giving is retried, then parked", async () => {
      // The stream refuses new messages for now: full, discarding new ones.
      const { config } = await jsm.streams.info(usersStream.name);
      const full = await messages();
      await jsm.streams.update(usersStream.name, {
        ...config,
        max_msgs: full,
        discard: DiscardPolicy.New,
      });
      const retrying = startOutboxRelay({
        service: "users",
        db,
        table: outbox,
        nc,
        log,
        pollMs: 50,
        maxAttempts: 3,
      });
      try {
        const event = newEvent();
        const later = newEvent();
        await db.transaction((tx) => enqueueEvent(tx, outbox, event));
        await db.transaction((tx) => enqueueEvent(tx, outbox, later));
        const parked = await eventually(async () => {
          const rows = await listParked(db, outbox);
          return rows.length === 2 ? rows : undefined;
        });
        assert.deepEqual(parked.map((row) => row.attempts), [3, 3]);
        assert.match(parked[0].lastError ?? "", /maximum messages/);
        await jsm.streams.update(usersStream.name, { ...config });
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(await messages(), full, "a parked row was published");
        // Re-queued once the cause is gone: published, from zero attempts.
        assert.equal((await requeueParked(db, outbox, event.id))?.attempts, 0);
        assert.equal(await requeueParked(db, outbox, crypto.randomUUID()), null);
        retrying.wake();
        await eventually(async () => (await messages()) === full + 1 || undefined);
        assert.deepEqual((await listParked(db, outbox)).map((row) => row.id), [later.id]);
        await requeueParked(db, outbox, later.id);
        await eventually(async () => (await messages()) === full + 2 || undefined);
      } finally {
        await retrying.stop();
      }
    });

    await t.step("a lost stream is made again, and counts against no row", async () => {
      const healing = startOutboxRelay({
        service: "users",
        db,
        table: outbox,
        nc,
        log,
        stream: usersStream,
        pollMs: 50,
        maxAttempts: 1,
      });
      try {
        await jsm.streams.delete(usersStream.name);
        const event = newEvent();
        await db.transaction((tx) => enqueueEvent(tx, outbox, event));
        healing.wake();
        await eventually(async () => (await messages().catch(() => 0)) === 1 || undefined);
        const [row] = await db.select().from(outbox).where(eq(outbox.id, event.id));
        assert.equal(row.parkedAt, null);
        assert.equal(row.attempts, 0);
      } finally {
        await healing.stop();
      }
    });
  } finally {
    await relay.stop();
    await nc.close();
    await databases.close();
    await server.dispose();
  }
});

Deno.test("a publish failure: permanent, an outage, or worth retrying", () => {
  const error = (message: string, name = "Error") => Object.assign(new Error(message), { name });
  const maxPayload = error("'payload' max_payload size exceeded", "InvalidArgumentError");
  assert.equal(failureKind(maxPayload, "users.user.registered", usersStream), "permanent");
  // As nats.js reports a publish nobody answered: JetStreamNotEnabled, caused by no responders.
  const noResponders = new RequestError("no responders", {
    cause: new NoRespondersError("users.user.registered"),
  });
  const noStream = Object.assign(
    new Error("jetstream is not enabled", { cause: noResponders }),
    { name: "JetStreamNotEnabled" },
  );
  // Our stream was lost: an outage. A subject outside it: nothing will ever take it.
  assert.equal(failureKind(noStream, "users.user.registered", usersStream), "outage");
  assert.equal(failureKind(noStream, "elsewhere.thing.done", usersStream), "permanent");
  assert.equal(failureKind(error("timeout", "TimeoutError"), "users.a.b", usersStream), "outage");
  const full = error("maximum messages exceeded", "JetStreamApiError");
  assert.equal(failureKind(full, "users.user.registered", usersStream), "transient");
  // Read by their JetStream API code, whatever the text says.
  const apiError = (code: number, err_code: number) =>
    new JetStreamApiError({ code, err_code, description: "worded otherwise" });
  assert.equal(
    failureKind(apiError(400, 10054), "users.user.registered", usersStream),
    "permanent",
  );
  assert.equal(failureKind(apiError(404, 10059), "users.user.registered", usersStream), "outage");
  assert.equal(
    failureKind(apiError(400, 10077), "users.user.registered", usersStream),
    "transient",
  );

  assert.ok(subjectWithin("users.user.registered", "users.>"));
  assert.ok(!subjectWithin("users", "users.>"));
  assert.ok(subjectWithin("orders.order.placed", "orders.*.placed"));
  assert.ok(!subjectWithin("orders.order.placed.again", "orders.*.placed"));
  assert.ok(!subjectWithin("orders.order", "orders.order.placed"));
});
