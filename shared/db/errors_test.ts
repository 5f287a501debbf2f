/**
 * The net behind the contracts: a value the database refuses is the caller's fault, answered
 * as a typed 4xx, never `internal`. On PGlite, and on Postgres with DATABASE_URL.
 */
import assert from "node:assert/strict";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/nats-core";
import { sql } from "drizzle-orm";
import * as z from "zod";
import { wallets } from "../../services/payments/db/schema.ts";
import { refusedInput, sqlState } from "./errors.ts";
import { connectNats, serveRpc } from "../bus/mod.ts";
import { correlationHeader } from "../bus/headers.ts";
import { defineRpcService } from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";
import { createLogger } from "../log/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { startNatsServer } from "../../tests/harness/nats_server.ts";

Deno.test("db errors: what the request's values caused is a typed refusal", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("payments");
  const failure = (query: Promise<unknown>) => query.then(() => assert.fail("accepted"), (e) => e);
  try {
    await t.step("a NUL in text (22021): invalid", async () => {
      const error = await failure(db.execute(sql`select ${"a\u0000b"}::text`));
      assert.equal(sqlState(error), "22021");
      assert.equal(refusedInput(error)?.kind, "invalid");
    });
    await t.step("a number past integer (22003): invalid", async () => {
      const error = await failure(db.execute(sql`select ${String(2 ** 31)}::int`));
      assert.equal(refusedInput(error)?.kind, "invalid");
    });
    await t.step("a date Postgres does not have (22008): invalid", async () => {
      const error = await failure(db.execute(sql`select ${"0000-01-01T00:00:00Z"}::timestamptz`));
      assert.equal(refusedInput(error)?.kind, "invalid");
    });
    await t.step("a check constraint (23514): unprocessable", async () => {
      const userId = crypto.randomUUID();
      const error = await failure(db.insert(wallets).values({ userId, balanceCents: -1 }));
      assert.equal(refusedInput(error)?.kind, "unprocessable");
    });
    await t.step("anything else (a unique key, a bug): not a refusal", async () => {
      const userId = crypto.randomUUID();
      await db.insert(wallets).values({ userId, balanceCents: 1 });
      const error = await failure(db.insert(wallets).values({ userId, balanceCents: 1 }));
      assert.equal(sqlState(error), "23505");
      assert.equal(refusedInput(error), undefined);
      assert.equal(refusedInput(new TypeError("a bug")), undefined);
    });
  } finally {
    await databases.close();
  }
});

Deno.test("rpc: a value the database refuses answers invalid; an odd correlation id is replaced", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("payments");
  const server = await startNatsServer({ authorization: false });
  const connections: NatsConnection[] = [];
  const log = createLogger({ service: "store", level: "error", write: () => {} });
  const api = defineRpcService("store", {
    // The contract lets anything in, as a contract with a gap would.
    keep: {
      request: z.object({ text: z.string() }),
      reply: z.object({ correlationId: z.string() }),
      idempotent: true,
    },
  });
  try {
    const serverNc = await connectNats(server.url, "test");
    connections.push(serverNc);
    const rpc = await serveRpc(serverNc, api, {
      keep: async ({ text }, ctx) => {
        await db.execute(sql`select ${text}::text`);
        return { correlationId: ctx.correlationId };
      },
    }, { version: "1.0.0", log });
    const callerNc = await connectNats(server.url, "test");
    connections.push(callerNc);
    const call = (text: string, correlationId?: string) => {
      const headers = natsHeaders();
      if (correlationId !== undefined) headers.set(correlationHeader, correlationId);
      return callerNc.request(api.endpoints.keep.subject, JSON.stringify({ text }), {
        headers,
        timeout: 5000,
      });
    };

    await t.step("a NUL that reached the database: 400 invalid, not internal", async () => {
      const reply = await call("a\u0000b");
      assert.equal(reply.headers?.get("Nats-Service-Error-Code"), "400");
      const body = ServiceError.fromBody(reply.json());
      assert.equal(body.kind, "invalid");
    });

    await t.step("a sane correlation id is kept; an oversized one is replaced", async () => {
      assert.equal(
        (await call("ok", "abc-123")).json<{ correlationId: string }>().correlationId,
        "abc-123",
      );
      const long = "x".repeat(100_000);
      const replaced = (await call("ok", long)).json<{ correlationId: string }>().correlationId;
      assert.notEqual(replaced, long);
      assert.match(replaced, /^[0-9a-f-]{36}$/);
    });
    await rpc.stop();
  } finally {
    await Promise.all(connections.map((nc) => nc.close()));
    await server.dispose();
    await databases.close();
  }
});
