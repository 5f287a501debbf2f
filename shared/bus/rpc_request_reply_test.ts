/**
 * Typed request-reply over a real nats-server: replies and requests checked against the
 * contract, errors arriving typed, the caller's deadline and an expired budget, the queue group,
 * and `unavailable` when no instance runs.
 */
import assert from "node:assert/strict";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/nats-core";
import { Svcm } from "@nats-io/services";
import * as z from "zod";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { defineRpcService } from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";
import { createLogger } from "../log/mod.ts";
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
  const server = await startNatsServer({ authorization: false });
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
