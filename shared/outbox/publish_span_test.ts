/**
 * An outbox row's insert goes with the commit (shared/db/transaction.ts), so its publish span must last
 * until the insert is answered: a failed insert marks the span as an error. A process of its
 * own exports its spans with Deno's built-in OpenTelemetry to a receiver in this one.
 */
import assert from "node:assert/strict";
import { adminUrl, testDatabases } from "../../tests/harness/databases.ts";
import { freePort } from "../../tests/harness/nats_server.ts";
import {
  exportingTo,
  otlpReceiver,
  type ReceivedSpan,
  spanKind,
  statusCode,
} from "../../tests/harness/otlp_receiver.ts";

Deno.test("a failed outbox insert marks its publish span as an error", async () => {
  const spans: ReceivedSpan[] = [];
  const port = freePort();
  const receiver = otlpReceiver(port, spans);
  const databases = adminUrl ? await testDatabases() : null;
  const dataDir = await Deno.makeTempDir({ prefix: "publish-span-" });
  try {
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "tests/fixtures/outbox_insert_fails.ts"],
      env: {
        ...exportingTo(port, "users"),
        ...(databases ? { DATABASE_URL: databases.url! } : { DATA_DIR: dataDir }),
      },
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.ok(run.success, "the fixture ran to its end");
    const outcome = JSON.parse(new TextDecoder().decode(run.stdout));
    assert.deepEqual(
      { committed: outcome.committed, sqlState: outcome.sqlState },
      { committed: false, sqlState: "23505" },
      "the transaction threw the insert's unique violation",
    );

    const publishes = spans.filter((s) =>
      s.name === "publish users.user.registered" && s.kind === spanKind.producer
    );
    assert.equal(publishes.length, 2, `two publish spans among ${JSON.stringify(spans)}`);
    const [first, second] = publishes;
    assert.notEqual(first.status, statusCode.error, "the first insert went in");
    assert.equal(second.status, statusCode.error, "the second insert failed");
    assert.match(second.statusMessage ?? "", /duplicate key/);
  } finally {
    await receiver.shutdown();
    await databases?.close();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
