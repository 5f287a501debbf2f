/**
 * Fault injection through a running stack: a fault the operator sets at run time makes its
 * point fail (an RPC answers an error; a handler's event is retried until the fault is cleared,
 * then applied once; an event committed but not acked is redelivered and found a duplicate; the
 * relay holds its events back), delay waits, exit ends the process with its code, probability 0
 * never fires, a value that is no rule is ignored; a service may watch its faults, never write them.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { rpcClient } from "../shared/bus/mod.ts";
import { eq } from "drizzle-orm";
import { wallets } from "../services/payments/db/schema.ts";
import { catalogApi } from "../shared/contracts/mod.ts";
import { ServiceError } from "../shared/errors/mod.ts";
import { faultAt, faultExitCode, faultsBucket } from "../shared/faults/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { clearFault, clearFaults, setFault } from "../shared/operator/mod.ts";
import { connectAs, refused } from "./harness/bus_identities.ts";
import { signUp } from "./harness/clients.ts";
import { ops, testOperator } from "./harness/ops_cli.ts";
import { eventually } from "./harness/eventually.ts";
import { startStack } from "./harness/stack.ts";

const by = { actor: "faults test", log: createLogger({ service: "ops", level: "error" }) };
const fail = { action: "fail", probability: 1 } as const;

Deno.test({
  name: "faults: set at run time through the FAULTS bucket, each point of the saga's paths",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const stack = await startStack({
      services: ["users", "catalog", "payments"],
      delivery: { maxDeliver: 1000, backoffMs: [50] },
    });
    const operator = await connectAs(stack.nats, "operator");
    const catalog = rpcClient(stack.nc, catalogApi, { timeoutMs: 5000 });
    const jsm = await jetstreamManager(stack.nc);
    /** Deliveries of payments' durable on USERS beyond one per event: its redeliveries, so far. */
    const redeliveries = async () => {
      const { delivered } = await jsm.consumers.info("USERS", "payments");
      return delivered.consumer_seq - delivered.stream_seq;
    };
    const paymentsDb = (await stack.database("payments")).db;
    /** Whether payments opened the user's wallet (its handler of users.user.registered ran). */
    const wallet = async (userId: string) =>
      (await paymentsDb.select().from(wallets).where(eq(wallets.userId, userId))).length === 1;
    /** Set, and seen by the service in this process: the stack runs in it. */
    const armed = async (point: string, rule: Parameters<typeof setFault>[2]) => {
      await setFault(operator, point, rule, by);
      await eventually(() => Promise.resolve(faultAt(point)?.action === rule.action || undefined));
    };
    const cleared = async (point: string) => {
      await clearFault(operator, point, by);
      await eventually(() => Promise.resolve(faultAt(point) === undefined || undefined));
    };
    try {
      await t.step(
        "the stack boots without the bucket, and its watches break no rule",
        async () => {
          await assert.rejects(jsm.streams.info(`KV_${faultsBucket}`));
          assert.ok((await catalog.listProducts({})).items.length > 0);
          assert.deepEqual(await stack.nats.violations(), []);
        },
      );

      await t.step(
        "an RPC method fails while its fault is set, and answers once cleared",
        async () => {
          await armed("catalog.rpc.listProducts", fail);
          const error = await catalog.listProducts({}).then(() => null, (e) => e);
          assert.ok(error instanceof ServiceError, String(error));
          assert.equal(error.kind, "internal");
          // Another method of the same service is not touched.
          assert.ok((await catalog.listProducts({}).catch(() => null)) === null);
          await cleared("catalog.rpc.listProducts");
          assert.ok((await catalog.listProducts({})).items.length > 0);
        },
      );

      await t.step("delay: the method answers, no sooner than the delay", async () => {
        await armed("catalog.rpc.listProducts", { action: "delay", probability: 1, delayMs: 300 });
        const started = performance.now();
        assert.ok((await catalog.listProducts({})).items.length > 0);
        assert.ok(performance.now() - started >= 295);
        await cleared("catalog.rpc.listProducts");
      });

      await t.step("probability 0 never fires", async () => {
        await armed("catalog.rpc.listProducts", { action: "fail", probability: 0 });
        for (let i = 0; i < 30; i++) await catalog.listProducts({});
        await cleared("catalog.rpc.listProducts");
      });

      await t.step(
        "a value that is no rule is ignored: the point is off, the service runs",
        async () => {
          await armed("catalog.rpc.listProducts", fail);
          const kv = await new Kvm(stack.nc).open(faultsBucket);
          await kv.put("catalog.rpc.listProducts", '{"action":"explode"}');
          await eventually(() =>
            Promise.resolve(faultAt("catalog.rpc.listProducts") === undefined || undefined)
          );
          assert.ok((await catalog.listProducts({})).items.length > 0);
          await kv.delete("catalog.rpc.listProducts");
        },
      );

      await t.step("before_commit: the event is retried, then applied once cleared", async () => {
        const point = "payments.handle.users.user.registered.before_commit";
        await armed(point, fail);
        const before = await redeliveries();
        const user = await signUp(stack);
        await eventually(async () => (await redeliveries()) >= before + 2 || undefined);
        assert.equal(await wallet(user.userId), false);
        await cleared(point);
        await eventually(async () => (await wallet(user.userId)) || undefined);
      });

      await t.step("after_commit: applied, redelivered, found a duplicate, acked", async () => {
        const point = "payments.handle.users.user.registered.after_commit";
        await armed(point, fail);
        const before = await redeliveries();
        const user = await signUp(stack);
        await eventually(async () => (await wallet(user.userId)) || undefined);
        // Redelivered while the fault is still set, and acked: the inbox held it, nothing fired.
        await eventually(async () => {
          const info = await jsm.consumers.info("USERS", "payments");
          return (await redeliveries()) > before && info.num_ack_pending === 0 || undefined;
        });
        await cleared(point);
      });

      await t.step(
        "relay.before_publish: the event waits in the outbox until cleared",
        async () => {
          await armed("users.relay.before_publish", fail);
          const published = async () => (await jsm.streams.info("USERS")).state.messages;
          const before = await published();
          const user = await signUp(stack);
          // The relay was handed the row at the commit, before the sign-up answered.
          await stack.nc.flush();
          assert.equal(await published(), before);
          assert.equal(await wallet(user.userId), false);
          await cleared("users.relay.before_publish");
          await eventually(async () => (await published()) === before + 1 || undefined);
          await eventually(async () => (await wallet(user.userId)) || undefined);
        },
      );

      await t.step("exit ends the process with its code, having said why", async () => {
        await setFault(operator, "catalog.rpc.probe", { action: "exit", probability: 1 }, by);
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--allow-all",
            new URL("./fixtures/fault_exit.ts", import.meta.url).pathname,
          ],
          env: { NATS_URL: stack.nats.url, NATS_NKEY_SEED: stack.nats.seed("catalog") ?? "" },
          stdout: "piped",
          stderr: "piped",
        });
        const { code, stdout } = await child.output();
        const out = new TextDecoder().decode(stdout);
        assert.equal(code, faultExitCode, out);
        assert.match(out, /ending the process.*catalog\.rpc\.probe/);
        await clearFault(operator, "catalog.rpc.probe", by);
      });

      await t.step(
        "the ops CLI sets, lists and clears a fault, and the audit keeps it",
        async () => {
          const point = "orders.rpc.placeOrder";
          assert.match(
            await ops(
              stack,
              "faults",
              "set",
              point,
              "delay",
              "--delay-ms",
              "250",
              "--probability",
              "0.5",
            ),
            /set orders\.rpc\.placeOrder: delay 250 ms p=0\.5/,
          );
          const listed = JSON.parse(await ops(stack, "--json", "faults", "list"));
          assert.deepEqual(listed.map((f: { point: string; rule: unknown }) => [f.point, f.rule]), [
            [point, { action: "delay", probability: 0.5, delayMs: 250 }],
          ]);
          assert.match(
            await ops(stack, "faults", "clear", point),
            /cleared orders\.rpc\.placeOrder/,
          );
          assert.match(await ops(stack, "faults", "list"), /no faults set/);
          const audit = await ops(stack, "--json", "events", "tail", "AUDIT", "-n", "5");
          assert.match(
            audit,
            new RegExp(
              `"action":"fault\\.set".*${testOperator}|${testOperator}.*"action":"fault\\.set"`,
            ),
          );
        },
      );

      await t.step("a service may watch its faults but not write them", async () => {
        const catalogNc = await connectAs(stack.nats, "catalog");
        try {
          const kv = await new Kvm(catalogNc).open(faultsBucket);
          await assert.rejects(kv.put("catalog.rpc.listProducts", JSON.stringify(fail)));
          assert.ok(
            await refused(stack.nats, "catalog", "Publish", "$KV.FAULTS.catalog.rpc.listProducts"),
          );
          // Nor watch another service's.
          await assert.rejects(kv.watch({ key: "payments.>" }));
          // Positive control: its own keys.
          const own = await kv.watch({ key: "catalog.>" });
          own.stop();
        } finally {
          await catalogNc.close();
        }
      });
    } finally {
      await clearFaults(operator, by).catch(() => {});
      await operator.close();
      await stack.close();
    }
  },
});
