/**
 * The RPC client's waiting calls: each times out at its own time, fails at once when its
 * connection closes or NATS goes away (`unavailable` from `nats`, counted by no breaker), and goes
 * through again once reconnected.
 */
import assert from "node:assert/strict";
import * as z from "zod";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { defineRpcService } from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";
import { createLogger } from "../log/mod.ts";
import { BreakerRegistry } from "../resilience/mod.ts";
import { connectNats, rpcClient, serveRpc } from "./mod.ts";

Deno.test("a call waiting when its connection closes fails at once, `unavailable`", async () => {
  const server = await startNatsServer({ authorization: false });
  const serverNc = await connectNats(server.url, "test");
  const callerNc = await connectNats(server.url, "test");
  const api = defineRpcService("slowecho", {
    wait: { request: z.object({}), reply: z.object({}), idempotent: true },
  });
  const rpc = await serveRpc(serverNc, api, {
    wait: () => new Promise((r) => setTimeout(() => r({}), 2000)),
  }, { version: "1.0.0", log: createLogger({ service: "slowecho", level: "error" }) });
  const client = rpcClient(callerNc, api, { timeoutMs: 5000 });
  try {
    assert.deepEqual(await client.wait({}), {});
    const started = performance.now();
    const waiting = client.wait({}).catch((e) => e);
    await new Promise((r) => setTimeout(r, 50));
    await callerNc.close();
    const error = await waiting;
    assert.ok(error instanceof ServiceError);
    assert.equal(error.kind, "unavailable");
    // Not after the 5 s timeout, nor when the reply would have come: at once.
    assert.ok(performance.now() - started < 1000);
    const after = await client.wait({}).catch((e) => e);
    assert.ok(after instanceof ServiceError, "a call on the closed connection: a typed error");
    assert.equal(after.kind, "unavailable");
    assert.equal(after.origin, "nats");
  } finally {
    await rpc.stop();
    await serverNc.close();
    await server.dispose();
  }
});

Deno.test("calls waiting together time out each at its own time; others are answered", async () => {
  const server = await startNatsServer({ authorization: false });
  const serverNc = await connectNats(server.url, "test");
  const callerNc = await connectNats(server.url, "test");
  const api = defineRpcService("timedecho", {
    wait: { request: z.object({ ms: z.number() }), reply: z.object({}), idempotent: true },
  });
  const rpc = await serveRpc(serverNc, api, {
    wait: ({ ms }) => new Promise((r) => setTimeout(() => r({}), ms)),
  }, { version: "1.0.0", log: createLogger({ service: "timedecho", level: "error" }) });
  const client = rpcClient(callerNc, api, { timeoutMs: 5000 });
  const timed = (ms: number, timeoutMs: number) => {
    const started = performance.now();
    return client.wait({ ms }, { timeoutMs }).then(
      () => ({ outcome: "ok", after: performance.now() - started }),
      (e) => ({ outcome: e.kind, after: performance.now() - started }),
    );
  };
  try {
    const [late, early, answered] = await Promise.all([
      timed(2500, 1200),
      timed(2500, 300),
      timed(50, 3000),
    ]);
    assert.equal(early.outcome, "deadline");
    assert.ok(early.after >= 295 && early.after < 1200, `early after ${early.after}`);
    assert.equal(late.outcome, "deadline");
    assert.ok(late.after >= 1195 && late.after < 2500, `late after ${late.after}`);
    assert.equal(answered.outcome, "ok");

    // The timer outlives the last answer, due at that call's expiry. A call that waits longer
    // finds it firing with nothing due: it times out at its own time, later.
    assert.equal((await timed(10, 400)).outcome, "ok");
    const longer = await timed(2500, 900);
    assert.equal(longer.outcome, "deadline");
    assert.ok(longer.after >= 895 && longer.after < 2400, `longer after ${longer.after}`);
    // One that waits less does not wait for the timer left due at 1.5 s.
    assert.equal((await timed(10, 1500)).outcome, "ok");
    const shorter = await timed(2500, 200);
    assert.equal(shorter.outcome, "deadline");
    assert.ok(shorter.after >= 195 && shorter.after < 1000, `shorter after ${shorter.after}`);
  } finally {
    await rpc.stop();
    await callerNc.close();
    await serverNc.close();
    await server.dispose();
  }
});

Deno.test("NATS down: calls fail at once as `unavailable` from `nats`, counted by no breaker", async () => {
  const server = await startNatsServer({ authorization: false });
  const serverNc = await connectNats(server.url, "test");
  const callerNc = await connectNats(server.url, "test");
  const api = defineRpcService("downecho", {
    wait: { request: z.object({ ms: z.number() }), reply: z.object({}), idempotent: true },
  });
  const rpc = await serveRpc(serverNc, api, {
    wait: ({ ms }) => new Promise((r) => setTimeout(() => r({}), ms)),
  }, { version: "1.0.0", log: createLogger({ service: "downecho", level: "error" }) });
  // One counted failure opens it; short cool-down, so a "no responders" while the server side
  // re-subscribes after the restart below cannot keep it open past the recovery loop.
  const breakers = new BreakerRegistry({ failureThreshold: 1, coolDownMs: 500 });
  const client = rpcClient(callerNc, api, {
    timeoutMs: 3000,
    breakers,
    retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 100 },
  });
  const timed = async (ms: number) => {
    const started = performance.now();
    const error = await client.wait({ ms }).catch((e) => e);
    return { error, after: performance.now() - started };
  };
  try {
    assert.deepEqual(await client.wait({ ms: 1 }), {});
    const waiting = timed(2000);
    await new Promise((r) => setTimeout(r, 100));
    await server.stop();
    const cut = await waiting;
    assert.equal(cut.error.kind, "unavailable", "a call waiting when NATS went away");
    assert.equal(cut.error.origin, "nats");
    assert.ok(cut.after < 1500, `failed after ${cut.after} ms, not at once`);

    const down = await timed(1);
    assert.ok(down.error instanceof ServiceError);
    assert.equal(down.error.kind, "unavailable");
    assert.equal(down.error.origin, "nats");
    assert.match(down.error.message, /NATS/);
    assert.ok((down.error.details as { retryAfterMs: number }).retryAfterMs > 0);
    assert.ok(down.after < 1500, `failed after ${down.after} ms, not at the 3000 ms timeout`);
    assert.equal(breakers.for("downecho").state, "closed");

    await server.start();
    for (let i = 0; i < 100; i++) {
      const { error } = await timed(1);
      if (!(error instanceof Error)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(await client.wait({ ms: 1 }), {}, "calls go through again once reconnected");
  } finally {
    await rpc.stop();
    await callerNc.close();
    await serverNc.close();
    await server.dispose();
  }
});
