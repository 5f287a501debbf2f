/**
 * Events: through the platform (one transaction per event writes it to the outbox, the relay
 * publishes it with its id as Nats-Msg-Id, a durable consumer handles it in one transaction
 * with the inbox) against raw JetStream (publish awaiting each ack, a durable consumer with
 * explicit acks and nothing else). Throughput of the whole run, and latency from the moment
 * the event existed (commit, or raw publish) to the moment it was handled.
 */
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { inbox } from "../services/notifications/db/schema.ts";
import { outbox } from "../services/users/db/schema.ts";
import { connectNats, ensureStream } from "../shared/bus/mod.ts";
import { userRegistered, usersStream } from "../shared/contracts/mod.ts";
import { on, startEventConsumer } from "../shared/events/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { createEvent, enqueueEvent, startOutboxRelay } from "../shared/outbox/mod.ts";
import { testDatabases } from "../tests/harness/databases.ts";
import { startNatsServer } from "../tests/harness/nats_server.ts";
import { type BenchOptions, percentile, type Row, type SuiteResult } from "./report.ts";

const writers = 16;

export async function eventsThroughput(options: BenchOptions): Promise<SuiteResult> {
  const count = options.quick ? 1000 : 5000;
  const rows: Row[] = [await raw(count, options)];
  for (const driver of ["postgres", "pglite"] as const) {
    if (driver === "postgres" && !options.databaseUrl) continue;
    rows.push(await throughOutbox(count, driver, options));
  }
  return {
    suite: "Events: outbox, relay, consumer and inbox vs raw JetStream publish and consume",
    rows,
    notes: [`${count} events, ${writers} writers; explicit acks on both sides.`],
  };
}

async function raw(count: number, options: BenchOptions): Promise<Row> {
  const nats = await startNatsServer({ authorization: false });
  const nc = await connectNats(nats.url, "bench-raw");
  try {
    await ensureStream(nc, usersStream);
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add(usersStream.name, {
      durable_name: "raw",
      ack_policy: AckPolicy.Explicit,
    });
    const messages = await jetstream(nc).consumers.get(usersStream.name, "raw")
      .then((c) => c.consume({ max_messages: 256 }));
    const latencies: number[] = [];
    const done = (async () => {
      for await (const message of messages) {
        latencies.push(Date.now() - message.json<{ at: number }>().at);
        message.ack();
        if (latencies.length === count) break;
      }
    })();
    const js = jetstream(nc);
    const started = performance.now();
    let sent = 0;
    await Promise.all(Array.from({ length: writers }, async () => {
      while (sent < count) {
        sent++;
        if (sent % 500 === 0) options.progress(`events: raw ${sent}/${count}`);
        await js.publish("users.user.registered", JSON.stringify({ at: Date.now() }));
      }
    }));
    await done;
    const seconds = (performance.now() - started) / 1000;
    return row("raw JetStream", count / seconds, latencies);
  } finally {
    await nc.close();
    await nats.dispose();
  }
}

async function throughOutbox(count: number, driver: string, options: BenchOptions): Promise<Row> {
  const databases = await testDatabases(driver === "postgres" ? options.databaseUrl : undefined, {
    poolSize: 10,
  });
  const producer = await databases.open("users");
  const consumerDb = await databases.open("notifications");
  const nats = await startNatsServer({ authorization: false });
  const nc = await connectNats(nats.url, "bench-outbox");
  const log = createLogger({ service: "bench", level: "error" });
  const latencies: number[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => resolveDone = resolve);
  await ensureStream(nc, usersStream);
  const relay = startOutboxRelay({ service: "bench", db: producer.db, table: outbox, nc, log });
  const consumer = await startEventConsumer({
    nc,
    service: "bench",
    stream: usersStream,
    handlers: [on(userRegistered, (event) => {
      latencies.push(Date.now() - Date.parse(event.occurredAt));
      if (latencies.length === count) resolveDone();
      return Promise.resolve();
    }, { reads: [] })],
    db: consumerDb.db,
    inbox,
    log,
  });
  try {
    const started = performance.now();
    let written = 0;
    await Promise.all(Array.from({ length: writers }, async () => {
      while (written < count) {
        written++;
        if (written % 500 === 0) {
          options.progress(`events: outbox on ${driver} ${written}/${count}`);
        }
        const event = createEvent(userRegistered, {
          userId: crypto.randomUUID(),
          email: "bench@example.com",
          name: "Bench",
        }, { source: "bench", correlationId: "bench" });
        await producer.db.transaction((tx) => enqueueEvent(tx, outbox, event));
        relay.wake();
      }
    }));
    await done;
    const seconds = (performance.now() - started) / 1000;
    return row(`outbox + inbox (${driver})`, count / seconds, latencies);
  } finally {
    await consumer.stop();
    await relay.stop();
    await nc.close();
    await databases.close();
    await nats.dispose();
  }
}

function row(name: string, perSecond: number, latencies: number[]): Row {
  return {
    name,
    "events/s": perSecond,
    "latency p50 ms": percentile(latencies, 50),
    "latency p99 ms": percentile(latencies, 99),
  };
}
