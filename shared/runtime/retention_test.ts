/**
 * The kit's retention purges on a real database and a real nats-server: old rows go, young ones,
 * unpublished and parked outbox rows and each stream's resume position stay; a configuration
 * breaking the inbox rule refuses to start, and streams NATS keeps longer stop the inbox purge.
 */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { asc } from "drizzle-orm";
import { inbox, outbox } from "../../services/orders/db/schema.ts";
import { inbox as historyInbox } from "../../services/history/db/schema.ts";
import { startHistory } from "../../services/history/service.ts";
import { ensureStream } from "../bus/mod.ts";
import { ConfigError, retentionConfig } from "../config/mod.ts";
import { catalogStream, paymentsStream } from "../contracts/mod.ts";
import { deadLettersStream, purgeInbox, resumePosition } from "../events/mod.ts";
import { createLogger } from "../log/mod.ts";
import { registry } from "../telemetry/mod.ts";
import { eventually } from "../../tests/harness/eventually.ts";
import { confirmed } from "../../tests/harness/event_consumer.ts";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { kitPurges } from "./retention.ts";
import { transactionFor } from "./transaction.ts";

const day = 24 * 60 * 60 * 1000;
const ago = (ms: number) => new Date(Date.now() - ms);
const streams = [paymentsStream, catalogStream];

Deno.test("retention: purges keep what a replay needs and drop the rest", async (t) => {
  const [databases, server] = await Promise.all([
    testDatabases(),
    startNatsServer({ authorization: false }),
  ]);
  const nc = await connect({ servers: server.url });
  const { db } = await databases.open("orders");
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    service: "orders",
    write: (line) => lines.push(JSON.parse(line)),
  });
  const settings = retentionConfig.parse({ RETENTION_PURGE_BATCH: "2" });
  const scope = { transaction: transactionFor({ service: "orders", db }, "c-1"), log };
  const works = kitPurges({
    service: "orders",
    db,
    nc,
    settings,
    outbox,
    inbox: { table: inbox, streams },
  });
  const run = (name: string) => works.find((work) => work.name === name)!.run(scope);
  const inboxRows = async () =>
    (await db.select().from(inbox).orderBy(asc(inbox.stream), asc(inbox.streamSeq)))
      .map((row) => `${row.stream ?? "-"}#${row.streamSeq ?? "-"}`);
  const row = (stream: string | null, seq: number | null, handledAt: Date) => ({
    eventId: crypto.randomUUID(),
    type: "payments.payment.charged",
    stream,
    streamSeq: seq,
    handledAt,
  });
  try {
    await Promise.all([...streams, deadLettersStream].map((s) => ensureStream(nc, s)));

    await t.step("the streams and the dead letters have their max age on the server", async () => {
      const jsm = await jetstreamManager(nc);
      assert.equal((await jsm.streams.info("PAYMENTS")).config.max_age, 30 * day * 1e6);
      assert.equal((await jsm.streams.info("DEADLETTERS")).config.max_age, 30 * day * 1e6);
    });

    await t.step("inbox: old rows go, young ones and each stream's newest stay", async () => {
      const old = ago(40 * day);
      await db.insert(inbox).values([
        ...[1, 2, 3, 4, 5].map((seq) => row("PAYMENTS", seq, old)),
        ...[6, 7].map((seq) => row("PAYMENTS", seq, ago(day))),
        // A quiet stream: all its rows are old, its newest is still where a consumer resumes.
        ...[1, 2, 3].map((seq) => row("CATALOG", seq, old)),
        row(null, null, old),
      ]);
      const before = await resumePosition(db, inbox, "CATALOG");
      await run("inbox retention");
      assert.deepEqual(await inboxRows(), ["CATALOG#3", "PAYMENTS#6", "PAYMENTS#7"]);
      assert.deepEqual(await resumePosition(db, inbox, "CATALOG"), before);
      assert.equal((await resumePosition(db, inbox, "PAYMENTS"))?.seq, 7);
      const said = lines.find((line) => line.msg === "retention purge" && line.table === "inbox");
      assert.equal(said?.deleted, 8);
      const metric = await registry!.getSingleMetricAsString("retention_purged_rows_total");
      assert.match(metric, /retention_purged_rows_total\{service="orders",table="inbox"\} 8/);
    });

    await t.step("inbox: a second purge finds nothing more", async () => {
      lines.length = 0;
      await run("inbox retention");
      assert.equal(lines.find((line) => line.msg === "retention purge")?.deleted, 0);
      assert.equal((await inboxRows()).length, 3);
    });

    await t.step(
      "outbox: published long ago goes; young, unpublished and parked stay",
      async () => {
        const rowOf = (publishedAt: Date | null, parkedAt: Date | null = null) => ({
          id: crypto.randomUUID(),
          subject: "orders.order.placed",
          payload: "{}",
          createdAt: ago(30 * day),
          publishedAt,
          parkedAt,
        });
        const kept = [rowOf(ago(day)), rowOf(null), rowOf(null, ago(20 * day))];
        await db.insert(outbox).values([rowOf(ago(8 * day)), rowOf(ago(9 * day)), ...kept]);
        await db.insert(outbox).values([rowOf(ago(10 * day))]);
        await run("outbox retention");
        const left = await db.select({ id: outbox.id }).from(outbox);
        assert.deepEqual(left.map((r) => r.id).sort(), kept.map((r) => r.id).sort());
      },
    );

    await t.step("a stream NATS keeps for ever stops the inbox purge", async () => {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info("CATALOG");
      await jsm.streams.update("CATALOG", { ...info.config, max_age: 0 });
      await db.insert(inbox).values([row("PAYMENTS", 1, ago(40 * day))]);
      lines.length = 0;
      await run("inbox retention");
      assert.equal((await inboxRows()).length, 4);
      assert.ok(lines.some((line) => line.msg?.toString().startsWith("inbox purge skipped")));
      // Its owner's next start puts the max age back.
      await ensureStream(nc, catalogStream);
      await run("inbox retention");
      assert.equal((await inboxRows()).length, 3);
    });

    await t.step("an inbox retention the rule refuses stops the start", () => {
      for (const days of ["30", "31"]) {
        const short = retentionConfig.parse({ INBOX_RETENTION_MS: String(Number(days) * day) });
        assert.throws(
          () =>
            kitPurges({
              service: "orders",
              db,
              nc,
              settings: short,
              inbox: { table: inbox, streams },
            }),
          (error) => error instanceof ConfigError && /INBOX_RETENTION_MS/.test(error.message),
        );
      }
      // Without an inbox there is nothing to refuse.
      const short = retentionConfig.parse({ INBOX_RETENTION_MS: "1000" });
      assert.equal(kitPurges({ service: "orders", db, nc, settings: short, outbox }).length, 1);
    });

    const database = await databases.open("history");
    await t.step("a service runs its purges while it runs, and refuses a rule broken", async () => {
      const often = retentionConfig.parse({ RETENTION_PURGE_EVERY_MS: "20" });
      const tooShort = { ...often, INBOX_RETENTION_MS: 30 * day };
      await assert.rejects(
        startHistory({ nc, log, database, retention: tooShort }),
        (error) => error instanceof ConfigError,
      );
      await database.db.insert(historyInbox).values(
        [1, 2].map((seq) => row("ORDERS", seq, ago(40 * day))),
      );
      const history = await startHistory({ nc, log, database, retention: often });
      try {
        await eventually(async () =>
          (await database.db.select().from(historyInbox)).length === 1 ? true : undefined
        );
      } finally {
        await history.stop();
      }
    });

    await t.step(
      "a consumer made again after a purge resumes after its kept position",
      async () => {
        const jsm = await jetstreamManager(nc);
        const js = jetstream(nc);
        await jsm.consumers.delete("ORDERS", "history");
        await database.db.delete(historyInbox);
        const seqs = async () =>
          (await database.db.select({ seq: historyInbox.streamSeq }).from(historyInbox)
            .orderBy(asc(historyInbox.streamSeq))).map((r) => Number(r.seq));
        const publish = async () => {
          const event = confirmed();
          return (await js.publish(event.type, JSON.stringify(event), { msgID: event.id })).seq;
        };
        const settings = retentionConfig.parse({});
        let history = await startHistory({ nc, log, database, retention: settings });
        const first = await publish();
        await publish();
        const third = await publish();
        await eventually(async () => (await seqs()).length === 3 ? true : undefined);
        await history.stop();
        // Everything handled counts as expired; the stream keeps its messages, as inside the rule.
        await purgeInbox(database.db, historyInbox, {
          before: new Date(Date.now() + 1000),
          batchSize: 2,
        });
        assert.deepEqual(await seqs(), [third]);
        // NATS lost the durable: it is made again from the position the purge kept.
        await jsm.consumers.delete("ORDERS", "history");
        history = await startHistory({ nc, log, database, retention: settings });
        try {
          const fourth = await publish();
          await eventually(async () => (await seqs()).includes(fourth) ? true : undefined);
          // Events first..third were not delivered again (their inbox rows are gone).
          assert.deepEqual(await seqs(), [third, fourth]);
          assert.equal(third - first, 2);
        } finally {
          await history.stop();
        }
      },
    );
  } finally {
    await nc.close();
    await Promise.all([databases.close(), server.dispose()]);
  }
});
