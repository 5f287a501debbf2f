import assert from "node:assert/strict";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/nats-core";
import { Svcm } from "@nats-io/services";
import { z } from "zod";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { defineRpcService } from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";
import { createLogger } from "../log/mod.ts";
import { BreakerRegistry } from "../resilience/mod.ts";
import { registry } from "../telemetry/metrics.ts";
import { budgetHeader, connectNats, rpcClient, serveRpc } from "./mod.ts";

const echoApi = defineRpcService("echo", {
  shout: {
    request: z.object({ text: z.string().min(1) }),
    reply: z.object({ text: z.string() }),
    idempotent: true,
  },
  fail: { request: z.object({ kind: z.string() }), reply: z.object({}), idempotent: true },
  sleep: { request: z.object({ ms: z.number() }), reply: z.object({}), idempotent: true },
  lie: { request: z.object({}), reply: z.object({ n: z.number() }), idempotent: true },
});

Deno.test("typed request-reply over a real nats-server", async (t) => {
  const server = await startNatsServer();
  const lines: string[] = [];
  const log = createLogger({ service: "echo", level: "debug", write: (l) => lines.push(l) });
  const connections: NatsConnection[] = [];
  const connection = async () => {
    const nc = await connectNats(server.url, "test");
    connections.push(nc);
    return nc;
  };
  let sleeps = 0;
  const handlers = {
    shout: ({ text }: { text: string }) => Promise.resolve({ text: text.toUpperCase() }),
    fail: ({ kind }: { kind: string }) => {
      if (kind === "conflict") throw new ServiceError("conflict", "taken", { field: "email" });
      throw new Error("a bug");
    },
    sleep: async ({ ms }: { ms: number }) => {
      sleeps++;
      await new Promise((r) => setTimeout(r, ms));
      return {};
    },
    // deno-lint-ignore no-explicit-any
    lie: () => Promise.resolve({ n: "not a number" } as any),
  };
  const serverNc = await connection();
  const echoServer = await serveRpc(serverNc, echoApi, handlers, { version: "1.0.0", log });
  const callerNc = await connection();
  const echo = rpcClient(callerNc, echoApi, { timeoutMs: 1000 });
  try {
    await t.step("a reply is typed and checked", async () => {
      assert.deepEqual(await echo.shout({ text: "hi" }), { text: "HI" });
    });

    await t.step("a ServiceError arrives as the same kind, message and details", async () => {
      const error = await echo.fail({ kind: "conflict" }).catch((e) => e);
      assert.ok(error instanceof ServiceError);
      assert.equal(error.kind, "conflict");
      assert.equal(error.message, "taken");
      assert.deepEqual(error.details, { field: "email" });
    });

    await t.step("a bug is `internal`, logged, and the service keeps answering", async () => {
      const error = await echo.fail({ kind: "bug" }).catch((e) => e);
      assert.equal(error.kind, "internal");
      assert.ok(lines.some((l) => JSON.parse(l).msg === "handler failed"));
      assert.deepEqual(await echo.shout({ text: "still" }), { text: "STILL" });
    });

    await t.step("a request outside the contract is `invalid` with field details", async () => {
      const reply = await callerNc.request(echoApi.endpoints.shout.subject, '{"text":""}');
      assert.equal(reply.headers?.get("Nats-Service-Error-Code"), "400");
      const body = reply.json<{ kind: string; details: { path: string }[] }>();
      assert.equal(body.kind, "invalid");
      assert.equal(body.details[0].path, "text");
      const notJson = await callerNc.request(echoApi.endpoints.shout.subject, "{nope");
      assert.equal(notJson.json<{ kind: string }>().kind, "invalid");
    });

    await t.step("a reply outside the contract is `internal` at the service", async () => {
      const error = await echo.lie({}).catch((e) => e);
      assert.equal(error.kind, "internal");
      assert.equal(error.origin, "echo");
    });

    await t.step("the caller's deadline bounds the wait: `deadline`", async () => {
      const started = performance.now();
      const error = await echo.sleep({ ms: 2000 }, { timeoutMs: 200 }).catch((e) => e);
      const ms = performance.now() - started;
      assert.equal(error.kind, "deadline");
      assert.ok(ms >= 190 && ms < 600, `waited ${ms} ms`);
      const past = await echo.shout({ text: "x" }, { deadline: Date.now() - 1 }).catch((e) => e);
      assert.equal(past.kind, "deadline");
    });

    await t.step("an expired budget on arrival is dropped without doing the work", async () => {
      const before = sleeps;
      const h = natsHeaders();
      h.set(budgetHeader, "0");
      const reply = await callerNc.request(echoApi.endpoints.sleep.subject, '{"ms":1}', {
        headers: h,
        timeout: 1000,
      });
      assert.equal(reply.json<{ kind: string }>().kind, "deadline");
      assert.equal(sleeps, before);
      assert.ok(lines.some((l) => JSON.parse(l).msg === "dropped an expired request"));
    });

    await t.step("the endpoints listen in a queue group named after the service", async () => {
      const info = echoServer.service.info();
      assert.ok(info.endpoints.every((e) => e.queue_group === "echo"));
      const found = await new Svcm(callerNc).client().info("echo");
      const instances = [];
      for await (const instance of found) instances.push(instance);
      assert.equal(instances.length, 1);
      assert.equal(instances[0].version, "1.0.0");
    });

    await t.step("no instance running: `unavailable`, at once", async () => {
      await echoServer.stop();
      const started = performance.now();
      const error = await echo.shout({ text: "anyone" }).catch((e) => e);
      assert.equal(error.kind, "unavailable");
      assert.ok(performance.now() - started < 500);
    });
  } finally {
    await Promise.all(connections.map((nc) => nc.close()));
    await server.dispose();
  }
});

Deno.test("RED metrics by outcome, and stop() waits for the requests being answered", async () => {
  const server = await startNatsServer();
  const serverNc = await connectNats(server.url, "test");
  const callerNc = await connectNats(server.url, "test");
  const api = defineRpcService("redecho", {
    shout: {
      request: z.object({ text: z.string().min(1) }),
      reply: z.object({ text: z.string() }),
      idempotent: true,
    },
  });
  let finished = false;
  const rpc = await serveRpc(serverNc, api, {
    shout: async ({ text }) => {
      await new Promise((r) => setTimeout(r, 150));
      finished = true;
      return { text };
    },
  }, { version: "1.0.0", log: createLogger({ service: "redecho", level: "error" }) });
  const client = rpcClient(callerNc, api, { timeoutMs: 1000 });
  const series = async (name: string) =>
    (await registry.getSingleMetricAsString(name)).split("\n").filter((l) =>
      l.includes('service="redecho"')
    );
  try {
    await client.shout({ text: "a" });
    await callerNc.request(api.endpoints.shout.subject, '{"text":""}');
    assert.deepEqual((await series("rpc_server_requests_total")).sort(), [
      'rpc_server_requests_total{service="redecho",endpoint="rpc.redecho.shout",outcome="invalid"} 1',
      'rpc_server_requests_total{service="redecho",endpoint="rpc.redecho.shout",outcome="ok"} 1',
    ]);
    assert.ok(
      (await series("rpc_server_duration_seconds")).includes(
        'rpc_server_duration_seconds_count{service="redecho",endpoint="rpc.redecho.shout"} 2',
      ),
    );

    finished = false;
    const pending = client.shout({ text: "b" });
    await new Promise((r) => setTimeout(r, 50));
    await rpc.stop();
    assert.ok(finished, "stop() returned before the request being handled was answered");
    assert.deepEqual(await pending, { text: "b" });
  } finally {
    await callerNc.close();
    await serverNc.close();
    await server.dispose();
  }
});

Deno.test("a call waiting when its connection closes fails at once, `unavailable`", async () => {
  const server = await startNatsServer();
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
  const server = await startNatsServer();
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

Deno.test("deadline budgets: the deepest hop fails first, and the error names it", async (t) => {
  const server = await startNatsServer();
  const nc = await connectNats(server.url, "test");
  const log = createLogger({ service: "chain", level: "error" });
  const backApi = defineRpcService("back", {
    stall: { request: z.object({}), reply: z.object({}), idempotent: false },
  });
  const frontApi = defineRpcService("front", {
    relay: { request: z.object({}), reply: z.object({}), idempotent: false },
    budget: { request: z.object({}), reply: z.object({ ms: z.number() }), idempotent: false },
  });
  const back = rpcClient(nc, backApi, { timeoutMs: 5000 });
  const stalled = Promise.withResolvers<void>();
  const backServer = await serveRpc(nc, backApi, {
    stall: async () => {
      await stalled.promise;
      return {};
    },
  }, { version: "1.0.0", log });
  const frontServer = await serveRpc(nc, frontApi, {
    // As orders calls catalog: within the deadline its own caller gave it.
    relay: (_, ctx) => back.stall({}, { deadline: ctx.deadline }),
    budget: (_, ctx) => Promise.resolve({ ms: ctx.deadline - Date.now() }),
  }, { version: "1.0.0", log });
  const breakers = new BreakerRegistry({ failureThreshold: 2, coolDownMs: 60_000 });
  const front = rpcClient(nc, frontApi, { timeoutMs: 5000, breakers });
  try {
    await t.step("the callee is given less time than its caller waits", async () => {
      const { ms } = await front.budget({}, { timeoutMs: 1000 });
      assert.ok(ms < 1000 - 50, `the callee had ${ms} ms of a 1000 ms wait`);
      assert.ok(ms > 500, `the callee had ${ms} ms of a 1000 ms wait`);
    });

    await t.step(
      "a stalled second hop: `deadline` naming it, before the caller gives up",
      async () => {
        const error = await front.relay({}, { timeoutMs: 600 }).catch((e) => e);
        assert.ok(error instanceof ServiceError);
        assert.equal(error.kind, "deadline");
        assert.equal(error.message, "back did not answer in time");
        assert.equal(error.origin, "back");
      },
    );

    await t.step("its failures pass through without opening the first hop's breaker", async () => {
      for (let i = 0; i < 2; i++) await front.relay({}, { timeoutMs: 300 }).catch((e) => e);
      assert.equal(breakers.for("front").state, "closed");
    });

    await t.step("an error the service made itself has it as origin", async () => {
      const error = await front.budget({}, { deadline: Date.now() - 1 }).catch((e) => e);
      assert.equal(error.message, "no time left to call front", "failed before it was sent");
      assert.equal(error.origin, "front");
      const h = natsHeaders();
      h.set(budgetHeader, "0");
      const reply = await nc.request(frontApi.endpoints.budget.subject, "{}", {
        headers: h,
        timeout: 1000,
      });
      assert.equal(reply.json<{ origin: string }>().origin, "front");
    });
  } finally {
    stalled.resolve();
    await frontServer.stop();
    await backServer.stop();
    await nc.close();
    await server.dispose();
  }
});

Deno.test("NATS down: calls fail at once as `unavailable` from `nats`, counted by no breaker", async () => {
  const server = await startNatsServer();
  const serverNc = await connectNats(server.url, "test");
  const callerNc = await connectNats(server.url, "test");
  const api = defineRpcService("downecho", {
    wait: { request: z.object({ ms: z.number() }), reply: z.object({}), idempotent: true },
  });
  const rpc = await serveRpc(serverNc, api, {
    wait: ({ ms }) => new Promise((r) => setTimeout(() => r({}), ms)),
  }, { version: "1.0.0", log: createLogger({ service: "downecho", level: "error" }) });
  const breakers = new BreakerRegistry({ failureThreshold: 1, coolDownMs: 60_000 });
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
