/**
 * Deadline budgets across hops: the callee is given less time than its caller waits, so the
 * deepest hop fails first and the error names it, without opening the first hop's breaker.
 */
import assert from "node:assert/strict";
import { headers as natsHeaders } from "@nats-io/nats-core";
import * as z from "zod";
import { startNatsServer } from "../../tests/harness/nats_server.ts";
import { defineRpcService } from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";
import { createLogger } from "../log/mod.ts";
import { BreakerRegistry } from "../resilience/mod.ts";
import { budgetHeader, connectNats, rpcClient, serveRpc } from "./mod.ts";

Deno.test("deadline budgets: the deepest hop fails first, and the error names it", async (t) => {
  const server = await startNatsServer({ authorization: false });
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
