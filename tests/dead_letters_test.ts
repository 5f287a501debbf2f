/**
 * Dead letters end to end: a handler that fails for a real reason (its table is gone) sends
 * the event to DEADLETTERS; after the fix a re-drive applies it once; a poison message is
 * discarded with a reason; every action is on the AUDIT stream; the gateway's admin routes do
 * the same for an admin token only.
 */
import assert from "node:assert/strict";
import { eq, sql } from "drizzle-orm";
import { notifications } from "../services/notifications/db/schema.ts";
import { jetstream } from "@nats-io/jetstream";
import { sendToDeadLetters } from "../shared/events/mod.ts";
import { placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { json, type Stack, startStack } from "./harness/stack.ts";
import { eventually } from "./harness/eventually.ts";
import { ops, testOperator } from "./harness/ops_cli.ts";

const adminEmail = "ops@example.com";

const letters = async (stack: Stack, ...filter: string[]) =>
  JSON.parse(await ops(stack, "deadletters", "list", "--json", ...filter)) as {
    seq: number;
    service: string;
    stream: string;
    streamSeq: number;
    subject: string;
    reason: string;
  }[];

Deno.test("dead letters: inspect, re-drive after the fix, discard; admin routes", async (t) => {
  const stack = await startStack({
    env: { ADMIN_EMAILS: adminEmail },
    delivery: { maxDeliver: 2, backoffMs: [50] },
  });
  const notificationsDb = (await stack.database("notifications")).db;
  const notificationsOf = (orderId: string) =>
    notificationsDb.select().from(notifications).where(eq(notifications.orderId, orderId));
  try {
    const user = await signUp(stack);
    const mug = await productBySku(stack, "MUG-001");
    let orderId = "";

    await t.step("a handler that keeps failing leaves a dead letter", async () => {
      // The cause: the notifications table is gone (a botched migration, say).
      await notificationsDb.execute(
        sql`alter table notifications.notifications rename to notifications_moved`,
      );
      const placed = await placeOrder(stack, user, [{ productId: mug.id, quantity: 1 }]);
      orderId = (await placed.json()).orderId;
      assert.equal((await settledOrder(stack, user, orderId)).status, "confirmed");
      const [letter] = await eventually(async () => {
        const found = await letters(stack, "--service", "notifications");
        return found.length > 0 ? found : undefined;
      });
      assert.equal(letter.subject, "orders.order.confirmed");
      // What failed, and not the values the statement carried (drizzle's message lists them).
      assert.match(letter.reason, /^failed 2 times: \S+ 42P01: relation .* does not exist/);
      assert.doesNotMatch(letter.reason, /params:/);
      const shown = JSON.parse(await ops(stack, "deadletters", "show", String(letter.seq)));
      assert.equal(shown.entry.event.data.orderId, orderId);
    });

    await t.step("re-driven before the fix, it fails again and stays", async () => {
      const [letter] = await letters(stack, "--service", "notifications");
      const out = await ops(stack, "deadletters", "redrive", String(letter.seq));
      assert.match(out, new RegExp(`^#${letter.seq}  failed  `));
      assert.equal((await letters(stack, "--service", "notifications")).length, 1);
    });

    await t.step("re-driven after the fix, it is applied once", async () => {
      await notificationsDb.execute(
        sql`alter table notifications.notifications_moved rename to notifications`,
      );
      const [letter] = await letters(stack, "--service", "notifications");
      const out = await ops(stack, "deadletters", "redrive", "--all");
      assert.equal(out.trim(), `#${letter.seq}  applied`);
      assert.deepEqual(await letters(stack, "--service", "notifications"), []);
      assert.deepEqual((await notificationsOf(orderId)).map((n) => n.kind), ["order_confirmed"]);
      // Once more, and a replay of the whole stream: still one notification.
      assert.match(
        await ops(stack, "deadletters", "redrive", String(letter.seq)),
        /not_found {2}no such dead letter/,
      );
      assert.match(
        await ops(stack, "replay", "notifications", "ORDERS"),
        /applied 0, skipped 1 \(already applied\)/,
      );
      assert.equal((await notificationsOf(orderId)).length, 1);
    });

    await t.step(
      "a poison message is discarded with a reason, and the audit says who",
      async () => {
        await jetstream(stack.nc).publish("orders.order.placed", "not json at all");
        const poisoned = await eventually(async () => {
          const found = (await letters(stack)).filter((l) => l.reason.startsWith("not an event"));
          // The consumers that read placed orders: payments, notifications, history. Catalog
          // reads only cancellations, so the server never sends it this subject.
          return found.length >= 3 ? found : undefined;
        }).then(async () => {
          await new Promise((r) => setTimeout(r, 500));
          return (await letters(stack)).filter((l) => l.reason.startsWith("not an event"));
        });
        assert.deepEqual(
          poisoned.map((letter) => letter.service).sort(),
          ["history", "notifications", "payments"],
        );
        const redriven = await ops(stack, "deadletters", "redrive", String(poisoned[0].seq));
        assert.match(redriven, /invalid {2}not an event/);
        for (const letter of poisoned) {
          const out = await ops(
            stack,
            "deadletters",
            "discard",
            String(letter.seq),
            "--reason",
            "a test publish, not a fact",
          );
          assert.match(out, new RegExp(`^discarded #${letter.seq} \\(${letter.service}, `));
        }
        assert.equal((await letters(stack)).length, 0);
        // A discarded letter leaves a tombstone: its message is never dead-lettered again.
        const again = await sendToDeadLetters(stack.nc, poisoned[0].service, {
          subject: "orders.order.placed",
          data: new TextEncoder().encode("not json at all"),
          info: { stream: poisoned[0].stream, streamSequence: poisoned[0].streamSeq },
        }, "not an event");
        assert.equal(again, "already");
        assert.equal((await letters(stack)).length, 0);
        const audit = (await ops(stack, "events", "show", "AUDIT", "--json")).trim().split("\n")
          .map((line) => JSON.parse(line).event.data);
        const discards = audit.filter((a) => a.action === "deadletter.discard");
        assert.equal(discards.length, poisoned.length);
        // Who acted: the operator's NATS identity, then the person.
        const operatorKey = stack.nats.identities.get("operator")!.publicKey;
        assert.ok(discards.every((a) => a.actor === `[operator ${operatorKey}] ${testOperator}`));
        assert.ok(discards.every((a) => a.reason === "a test publish, not a fact"));
        assert.ok(audit.some((a) => a.action === "deadletter.redrive" && a.outcome === "applied"));
        assert.ok(audit.some((a) => a.action === "replay"));
      },
    );

    await t.step(
      "admin routes: 401 without a token, 403 for a user, 200 for an admin",
      async () => {
        assert.equal((await stack.request("/admin/services")).status, 401);
        const asUser = await stack.request("/admin/services", { headers: user.headers });
        assert.equal(asUser.status, 403);
        assert.equal((await asUser.json()).detail, "this needs the admin role");

        const password = "a long enough password";
        await stack.request(
          "/auth/register",
          json("POST", { email: adminEmail, password, name: "Ops" }),
        );
        const login = await stack.request(
          "/auth/login",
          json("POST", { email: adminEmail, password }),
        );
        const admin = { authorization: `Bearer ${(await login.json()).token}` };

        const services = await (await stack.request("/admin/services", { headers: admin })).json();
        assert.ok(services.items.some((s: { name: string }) => s.name === "orders"));

        const events = await stack.request("/admin/events?from=orders.order.confirmed", {
          headers: admin,
        });
        assert.equal(events.status, 200);
        const { stream, items } = await events.json();
        assert.equal(stream, "ORDERS");
        assert.deepEqual(
          items.map((e: { event: { data: { orderId: string } } }) => e.event.data.orderId),
          [
            orderId,
          ],
        );

        const bad = await stack.request(
          "/admin/replay",
          json("POST", { service: "notifications", from: "ORDERS", fromSeq: 0 }, admin),
        );
        assert.equal(bad.status, 400);
        assert.equal((await bad.json()).errors[0].path, "fromSeq");

        const unknown = await stack.request(
          "/admin/replay",
          json("POST", { service: "notifications", from: "NOPE" }, admin),
        );
        assert.equal(unknown.status, 404);
        await unknown.body?.cancel();

        const dry = await stack.request(
          "/admin/replay",
          json("POST", { service: "payments", from: "orders.order.placed", dryRun: true }, admin),
        );
        assert.equal(dry.status, 200);
        const report = await dry.json();
        assert.equal(report.dryRun, true);
        assert.equal(report.applied, 0);
        assert.equal(report.planned[0].plan, "skip");

        const wrongStream = await stack.request(
          "/admin/replay",
          json("POST", { service: "notifications", from: "PAYMENTS" }, admin),
        );
        assert.equal(wrongStream.status, 400);
        assert.match((await wrongStream.json()).detail, /notifications does not react to PAYMENTS/);

        const noReadModel = await stack.request(
          "/admin/rebuild",
          json("POST", { service: "payments" }, admin),
        );
        assert.equal(noReadModel.status, 422);
        await noReadModel.body?.cancel();

        const discardWithout = await stack.request(
          "/admin/deadletters/1/discard",
          json("POST", {}, admin),
        );
        assert.equal(discardWithout.status, 400);
        await discardWithout.body?.cancel();

        // Re-driving every letter takes {"all": true}: an empty body names none.
        const redriveNothing = await stack.request(
          "/admin/deadletters/redrive",
          json("POST", {}, admin),
        );
        assert.equal(redriveNothing.status, 400);
        assert.equal((await redriveNothing.json()).kind, "invalid");
        const redriveBoth = await stack.request(
          "/admin/deadletters/redrive",
          json("POST", { sequences: [1], all: true }, admin),
        );
        assert.equal(redriveBoth.status, 400);
        await redriveBoth.body?.cancel();
        const redriveAll = await stack.request(
          "/admin/deadletters/redrive",
          json("POST", { all: true }, admin),
        );
        assert.deepEqual(await redriveAll.json(), { results: [] });

        const listed = await stack.request("/admin/deadletters", { headers: admin });
        assert.deepEqual(await listed.json(), { items: [] });
      },
    );

    await t.step(
      "a discarded dead letter's event is marked handled: no replay applies it",
      async () => {
        await notificationsDb.execute(
          sql`alter table notifications.notifications rename to notifications_moved`,
        );
        const placed = await placeOrder(stack, user, [{ productId: mug.id, quantity: 1 }]);
        const discardedOrder = (await placed.json()).orderId;
        assert.equal((await settledOrder(stack, user, discardedOrder)).status, "confirmed");
        const [letter] = await eventually(async () => {
          const found = await letters(stack, "--service", "notifications");
          return found.length > 0 ? found : undefined;
        });
        await ops(stack, "deadletters", "discard", String(letter.seq), "--reason", "sent by hand");
        await notificationsDb.execute(
          sql`alter table notifications.notifications_moved rename to notifications`,
        );
        assert.deepEqual(await letters(stack), []);
        assert.match(
          await ops(stack, "replay", "notifications", "ORDERS"),
          /applied 0, skipped 2 \(already applied\)/,
        );
        assert.deepEqual(await notificationsOf(discardedOrder), []);
      },
    );
  } finally {
    await stack.close();
  }
});
