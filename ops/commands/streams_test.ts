/**
 * `ops streams retention` on a real nats-server whose DEADLETTERS and ORDERS were made before
 * streams had a max age: it shows them against the kit's figures, and `--apply` sets the dead
 * letters' (the operator's to set), leaves ORDERS to its owner, and records what it did.
 */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { connectNats, duplicateWindowMs, eventStreamMaxAgeMs } from "../../shared/bus/mod.ts";
import {
  checkInboxRetention,
  inboxRetentionFloorMs,
  serverHorizon,
} from "../../shared/events/mod.ts";
import { runDeno } from "../../tests/harness/command_line.ts";
import { startNatsServer, testIdentity } from "../../tests/harness/nats_server.ts";

const ns = 1_000_000;

Deno.test("ops streams retention: DEADLETTERS without a max age, shown and set", async (t) => {
  const nats = await startNatsServer();
  const nc = await connectNats(nats.url, testIdentity, nats.seed(testIdentity));
  const ops = (...args: string[]) =>
    runDeno(["task", "-q", "ops", "streams", "retention", ...args], {
      env: { NATS_URL: nats.url, NATS_NKEY_SEED: nats.seed("operator")!, USER: "ada" },
    });
  try {
    const jsm = await jetstreamManager(nc);
    // As ensureStream made them before max ages existed: max_age 0, kept for ever.
    for (const [name, subjects] of [["DEADLETTERS", ["deadletter.>"]], ["ORDERS", ["orders.>"]]]) {
      await jsm.streams.add({
        name: name as string,
        subjects: subjects as string[],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        duplicate_window: duplicateWindowMs * ns,
      });
    }
    await jetstream(nc).publish("deadletter.payments.x", "a letter");
    await jetstream(nc).publish("deadletter.history.y", "another");
    const maxAgeOf = async (stream: string) => (await jsm.streams.info(stream)).config.max_age;
    const auditCount = async () =>
      await jsm.streams.info("AUDIT").then((info) => info.state.messages, () => 0);

    await t.step("shows each stream's max age against the kit's, changing nothing", async () => {
      const { code, stdout, stderr } = await ops();
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^stream +set by +max age held +kit's max age/);
      assert.match(stdout, /^DEADLETTERS +operator +for ever +30 d +differs: --apply sets it$/m);
      assert.match(
        stdout,
        /^ORDERS +orders +for ever +30 d +differs: orders sets it when it next starts$/m,
      );
      assert.match(stdout, /^PAYMENTS +payments +\(none yet\) +30 d +made with the kit's/m);
      assert.match(stdout, /^AUDIT +operator +\(none yet\) +for ever/m);
      const json = JSON.parse((await ops("--json")).stdout);
      const letters = json.streams.find((s: { stream: string }) => s.stream === "DEADLETTERS");
      assert.equal(letters.state, "differs");
      assert.equal(letters.messages, 2);
      assert.equal(await maxAgeOf("DEADLETTERS"), 0);
      assert.equal(await auditCount(), 0);
      // What it costs meanwhile: a dead letter kept for ever, so no inbox row may ever go.
      assert.equal(inboxRetentionFloorMs(await serverHorizon(nc, [])), Infinity);
    });

    await t.step("--apply sets the dead letters' max age, leaves ORDERS, audited", async () => {
      const { code, stdout, stderr } = await ops("--apply");
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^DEADLETTERS: max age set to 30 d \(was for ever\)/m);
      assert.equal(await maxAgeOf("DEADLETTERS"), eventStreamMaxAgeMs * ns);
      assert.equal((await jsm.streams.info("DEADLETTERS")).state.messages, 2, "letters kept");
      assert.equal(await maxAgeOf("ORDERS"), 0, "its owner's to set");
      // The inbox purges may run again: the rule's figures are finite.
      checkInboxRetention(35 * 86_400_000, await serverHorizon(nc, []));
      const record = (await jsm.streams.getMessage("AUDIT", {
        last_by_subj: "audit.operator.acted",
      }))!.json<{ data: { actor: string; action: string; target: string; outcome: string } }>();
      assert.equal(record.data.action, "stream.retention");
      assert.equal(record.data.target, "DEADLETTERS");
      assert.match(record.data.actor, /^\[operator U[A-Z0-9]+\] ada$/);
      assert.match(
        record.data.outcome,
        /^max age for ever → 30 d \(the kit's\); it held 2 messages/,
      );
    });

    await t.step("again: nothing left for the operator to set, nothing recorded", async () => {
      const before = await auditCount();
      const { code, stdout } = await ops("--apply");
      assert.equal(code, 0);
      assert.match(stdout, /^DEADLETTERS +operator +30 d +30 d +ok$/m);
      assert.match(stdout, /^nothing for the operator to set$/m);
      assert.equal(await auditCount(), before);
    });

    await t.step("a mistyped subcommand: usage, exit 2", async () => {
      const { code, stderr } = await runDeno(["task", "-q", "ops", "streams", "retain"], {
        env: { NATS_URL: nats.url, NATS_NKEY_SEED: nats.seed("operator")! },
      });
      assert.equal(code, 2);
      assert.match(stderr, /^ops: streams retention \[--apply\]/);
    });
  } finally {
    await nc.close();
    await nats.dispose();
  }
});
