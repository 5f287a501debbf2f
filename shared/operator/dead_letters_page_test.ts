/**
 * Dead letters listed a page at a time: at most `limit`, from `fromSeq` on, no more than
 * `maxChars` of JSON, tombstones skipped.
 */
import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { headers } from "@nats-io/nats-core";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { connectNats, ensureStream, serveRpc } from "../bus/mod.ts";
import { operationsApi } from "../contracts/mod.ts";
import { createLogger } from "../log/mod.ts";
import { deadLetterHeaders, deadLettersStream, deadLetterSubject } from "../events/mod.ts";
import { listDeadLetters, redriveDeadLetters, showDeadLetter } from "./dead_letters.ts";
import { ServiceError } from "../errors/mod.ts";

Deno.test("dead letters: a page at a time", async () => {
  const server = await startNatsServer({ authorization: false });
  const nc = await connectNats(server.url, "dead-letters-page-test");
  try {
    await ensureStream(nc, deadLettersStream);
    const js = jetstream(nc);
    const letter = (service: string, seq: number, discarded = false, data = "{}") => {
      const h = headers();
      h.set(deadLetterHeaders.service, service);
      h.set(deadLetterHeaders.stream, "ORDERS");
      h.set(deadLetterHeaders.sequence, String(seq));
      h.set(deadLetterHeaders.reason, "a test");
      if (discarded) h.set(deadLetterHeaders.discarded, "an operator");
      return js.publish(deadLetterSubject(service, "ORDERS", seq), data, { headers: h });
    };
    // Sequences 1 to 6 in DEADLETTERS; 4 is a tombstone, 5 is another service's.
    for (const seq of [1, 2, 3]) await letter("history", seq);
    await letter("history", 9, true);
    await letter("payments", 5);
    await letter("history", 6);
    const seqs = (letters: { seq: number }[]) => letters.map((l) => l.seq);

    assert.deepEqual(seqs(await listDeadLetters(nc)), [1, 2, 3, 5, 6]);
    assert.deepEqual(seqs(await listDeadLetters(nc, { limit: 2 })), [1, 2]);
    assert.deepEqual(seqs(await listDeadLetters(nc, { limit: 2, fromSeq: 3 })), [3, 5]);
    assert.deepEqual(seqs(await listDeadLetters(nc, { limit: 2, fromSeq: 6 })), [6]);
    assert.deepEqual(seqs(await listDeadLetters(nc, { service: "history", limit: 3 })), [1, 2, 3]);
    assert.deepEqual(seqs(await listDeadLetters(nc, { service: "history", fromSeq: 4 })), [6]);

    // Copies of 900 KB: a page stops once its letters add up to maxChars.
    for (const seq of [1, 2, 3]) await letter("big", seq, false, "x".repeat(900_000));
    const bigs = { service: "big" };
    assert.deepEqual(seqs(await listDeadLetters(nc, { ...bigs, maxChars: 1_500_000 })), [7, 8]);
    assert.deepEqual(seqs(await listDeadLetters(nc, { ...bigs, maxChars: 1_000 })), [7]);
    assert.deepEqual(seqs(await listDeadLetters(nc, bigs)), [7, 8, 9]);
  } finally {
    await nc.close();
    await server.dispose();
  }
});

Deno.test("dead letters: re-driving all of many goes in requests of at most 1,000", async () => {
  const server = await startNatsServer({ authorization: false });
  const nc = await connectNats(server.url, "dead-letters-batch-test");
  const asked: number[] = [];
  const log = createLogger({ service: "ops", level: "error" });
  const fake = await serveRpc(nc, operationsApi("fake"), {
    redriveDeadLetters: ({ sequences }: { sequences: number[] }) => {
      asked.push(sequences.length);
      return Promise.resolve({ results: sequences.map((seq) => ({ seq, outcome: "applied" })) });
    },
  } as never, { version: "1.0.0", log });
  try {
    await ensureStream(nc, deadLettersStream);
    const js = jetstream(nc);
    const h = headers();
    h.set(deadLetterHeaders.service, "fake");
    h.set(deadLetterHeaders.stream, "ORDERS");
    await Promise.all(
      Array.from(
        { length: 1001 },
        (_, i) => js.publish(deadLetterSubject("fake", "ORDERS", i + 1), "{}", { headers: h }),
      ),
    );
    const results = await redriveDeadLetters(nc, { all: true, actor: "test", log });
    assert.equal(results.length, 1001);
    assert.deepEqual(asked, [1000, 1]);
  } finally {
    await fake.stop();
    await nc.close();
    await server.dispose();
  }
});

Deno.test("a dead letter NATS cannot be asked about is not said to be missing", async () => {
  const server = await startNatsServer({ authorization: false });
  const nc = await connectNats(server.url, "dead-letters-unreachable-test");
  const log = createLogger({ service: "ops", level: "error" });
  try {
    await ensureStream(nc, deadLettersStream);
    await assert.rejects(
      showDeadLetter(nc, 7),
      (error: ServiceError) => error.kind === "not_found",
    );
    // JetStream gone (no responders): an error about NATS, never "no such dead letter".
    await server.stop();
    await assert.rejects(
      showDeadLetter(nc, 7),
      (error: Error) => !(error instanceof ServiceError && error.kind === "not_found"),
    );
    await assert.rejects(
      redriveDeadLetters(nc, { sequences: [7], actor: "test", log }),
      (error: Error) => !(error instanceof ServiceError && error.kind === "not_found"),
    );
  } finally {
    await nc.close();
    await server.dispose();
  }
});
