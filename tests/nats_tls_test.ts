/**
 * NATS over TLS, with a CA and certificate the harness makes with openssl: who is refused (a
 * client speaking plain text, one trusting the wrong CA or none, `tls://` to a server without
 * TLS), `wss://` trusting what Deno trusts (DENO_CERT), and the saga, a crash, a dead letter
 * re-driven and a replay through the ops CLI with authorization and TLS on. The rest of the
 * suite runs over TLS with TEST_NATS_TLS=1 (tests/harness/stack.ts).
 */
import assert from "node:assert/strict";
import { eq, sql } from "drizzle-orm";
import { notifications } from "../services/notifications/db/schema.ts";
import { connectNats } from "../shared/bus/mod.ts";
import { hasOpenssl } from "./harness/certificates.ts";
import { placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { eventually } from "./harness/eventually.ts";
import { assertSagaInvariants } from "./harness/invariants.ts";
import { startNatsServer } from "./harness/nats_server.ts";
import { ops } from "./harness/ops_cli.ts";
import { startStack } from "./harness/stack.ts";

if (!hasOpenssl()) console.log("NATS over TLS: skipped, no /usr/bin/openssl");

/** What a client that never starts TLS gets: every byte the server sends until it hangs up. */
async function plainTextSession(url: string): Promise<string> {
  const { hostname, port } = new URL(url.replace(/^tls:/, "http:"));
  const conn = await Deno.connect({ hostname, port: Number(port) });
  let text = "";
  try {
    await conn.write(new TextEncoder().encode("CONNECT {}\r\nPING\r\n"));
    const buffer = new Uint8Array(4096);
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
  } finally {
    conn.close();
  }
  return text;
}

/** Opens `url` in a Deno of its own with `env`: the first frame's text, or the error. */
async function webSocketFromDeno(url: string, env: Record<string, string>) {
  const code = `const ws = new WebSocket(${JSON.stringify(url)});
ws.binaryType = "arraybuffer";
ws.onmessage = (e) => { console.log(new TextDecoder().decode(e.data).split(" ")[0]); Deno.exit(0); };
ws.onerror = (e) => { console.log("error: " + e.message); Deno.exit(1); };`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", code],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(output.stdout).trim();
}

Deno.test({
  name: "NATS over TLS: who is refused, and wss:// trusting the runtime's CAs",
  ignore: !hasOpenssl(),
  fn: async (t) => {
    const server = await startNatsServer({ tls: true });
    const plain = await startNatsServer({ authorization: false });
    const seed = server.seed("test");
    try {
      assert.match(server.url, /^tls:\/\//);
      assert.match(server.wsUrl, /^wss:\/\//);

      await t.step("a client with the CA signs in over tls://, and over nats:// too", async () => {
        for (const url of [server.url, server.url.replace(/^tls:/, "nats:")]) {
          const nc = await connectNats(url, "test", seed, { caFile: server.caFile });
          await nc.flush();
          assert.equal(nc.getServer(), new URL(server.url.replace(/^tls:/, "http:")).host);
          await nc.close();
        }
      });

      await t.step("a client speaking plain text never gets to talk", async () => {
        const session = await plainTextSession(server.url);
        // The server announces TLS as required, then drops the client at its first byte.
        assert.match(session, /^INFO .*"tls_required":true/);
        assert.doesNotMatch(session, /PONG|\+OK/);
      });

      await t.step("a client trusting the wrong CA, or only the system's, is refused", async () => {
        await assert.rejects(
          connectNats(server.url, "test", seed, { caFile: server.wrongCaFile }),
          /unable to verify|certificate/i,
        );
        await assert.rejects(
          connectNats(server.url, "test", seed),
          /unable to verify|certificate/i,
        );
      });

      await t.step(
        "tls:// to a server without TLS is refused, not sent in plain text",
        async () => {
          await assert.rejects(
            connectNats(plain.url.replace(/^nats:/, "tls:"), "test"),
            /does not support 'tls'/,
          );
        },
      );

      await t.step("wss:// trusts what Deno trusts: DENO_CERT, not a CA file", async () => {
        await assert.rejects(
          connectNats(server.wsUrl, "test", seed, { caFile: server.caFile }),
          /DENO_CERT/,
        );
        await assert.rejects(connectNats(server.wsUrl, "test", seed), /certificate|UnknownIssuer/i);
        assert.equal(await webSocketFromDeno(server.wsUrl, { DENO_CERT: server.caFile! }), "INFO");
        assert.match(
          await webSocketFromDeno(server.wsUrl, { DENO_CERT: server.wrongCaFile! }),
          /^error: .*(certificate|UnknownIssuer)/i,
        );
      });
    } finally {
      await server.dispose();
      await plain.dispose();
    }
  },
});

Deno.test({
  name: "NATS over TLS with authorization: a crash mid-saga, a dead letter re-driven, a replay",
  ignore: !hasOpenssl(),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    // Processes of their own read NATS_CA_FILE as a deployed service does.
    const stack = await startStack({
      tls: true,
      processes: ["payments"],
      delivery: { maxDeliver: 2, backoffMs: [50] },
    });
    try {
      assert.ok(stack.nats.authorization);
      assert.match(stack.nats.url, /^tls:\/\//);
      const notificationsDb = (await stack.database("notifications")).db;
      const mug = await productBySku(stack, "MUG-001");

      await t.step("orders are confirmed though payments is killed mid-saga", async () => {
        const users = await Promise.all(Array.from({ length: 5 }, () => signUp(stack)));
        const placed = await Promise.all(
          users.map((user) => placeOrder(stack, user, [{ productId: mug.id, quantity: 1 }])),
        );
        assert.ok(placed.every((res) => res.status === 201));
        const ids = await Promise.all(placed.map(async (res) => (await res.json()).orderId));
        await stack.kill("payments");
        await stack.start("payments");
        const ended = await Promise.all(
          ids.map((id, i) => settledOrder(stack, users[i], id, 90_000)),
        );
        assert.deepEqual(ended.map((order) => order.status), ids.map(() => "confirmed"));
      });

      await t.step("a dead letter is listed and re-driven through the ops CLI", async () => {
        await notificationsDb.execute(
          sql`alter table notifications.notifications rename to notifications_moved`,
        );
        const user = await signUp(stack);
        const res = await placeOrder(stack, user, [{ productId: mug.id, quantity: 1 }]);
        assert.equal(res.status, 201, await res.clone().text());
        const orderId = (await res.json()).orderId;
        assert.equal((await settledOrder(stack, user, orderId)).status, "confirmed");
        // This order's confirmation: a loaded machine may have dead-lettered others before it.
        const letter = await eventually(async () => {
          const found = JSON.parse(
            await ops(stack, "deadletters", "list", "--json", "--service", "notifications"),
          ) as { seq: number; subject: string }[];
          return found.find((letter) =>
            letter.subject === "orders.order.confirmed" && JSON.stringify(letter).includes(orderId)
          );
        });
        await notificationsDb.execute(
          sql`alter table notifications.notifications_moved rename to notifications`,
        );
        // Every letter of notifications: any other a loaded machine made would be replayed below.
        const out = await ops(
          stack,
          "deadletters",
          "redrive",
          "--all",
          "--service",
          "notifications",
        );
        assert.match(out, new RegExp(`^#${letter.seq}  applied$`, "m"));
        const sent = await eventually(async () => {
          const rows = await notificationsDb.select().from(notifications)
            .where(eq(notifications.orderId, orderId));
          return rows.length > 0 ? rows : undefined;
        });
        assert.equal(sent.length, 1);
      });

      await t.step("a replay through the ops CLI skips what was applied", async () => {
        const out = await ops(stack, "replay", "notifications", "ORDERS");
        assert.match(out, /ORDERS #1\.\.#\d+ → notifications: \d+ read/);
        assert.match(out, /applied 0, skipped [1-9]\d* \(already applied\)/);
      });

      // Last: on PGlite, reading a process's database stops that process.
      await t.step("every invariant holds", async () => {
        await assertSagaInvariants(stack);
      });
    } finally {
      await stack.close();
    }
  },
});
