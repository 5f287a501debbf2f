/**
 * GET /admin/events pages by count and by size: messages may be up to NATS max_payload each, so
 * a page stops at `maxEventsPageChars` whatever its `limit`, and `next` names the page after.
 * The gateway app over a real nats-server.
 */
import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { startNatsServer } from "../../../tests/harness/nats_server.ts";
import { connectNats, ensureStream } from "../../../shared/bus/mod.ts";
import { createLogger } from "../../../shared/log/mod.ts";
import { BreakerRegistry } from "../../../shared/resilience/mod.ts";
import { createGatewayApp, type GatewayDeps } from "../app.ts";
import { defaultBodyLimitBytes } from "../config.ts";
import { TokenBuckets } from "../rate_limit.ts";
import { testTokens } from "../test_tokens.ts";
import { maxEventsPageChars } from "./admin.ts";

const signer = await testTokens();

Deno.test("admin events: a page is bounded by count and by size", async () => {
  const server = await startNatsServer({ authorization: false });
  const nc = await connectNats(server.url, "admin-events-test");
  try {
    await ensureStream(nc, { name: "BIG", subjects: ["big.>"] });
    const js = jetstream(nc);
    // Six messages of 900 KB: five pass the page's size.
    const big = "x".repeat(900_000);
    for (let i = 0; i < 6; i++) await js.publish("big.thing", big);
    await js.publish("big.small", "{}");
    const app = createGatewayApp(
      {
        users: {} as never,
        catalog: {} as never,
        orders: {} as never,
        payments: {} as never,
        notifications: {} as never,
        history: {} as never,
        readiness: {},
        breakers: new BreakerRegistry(),
        serviceStats: () => Promise.resolve(""),
        nc,
        tokens: signer.tokens,
        rateLimits: new TokenBuckets({ burst: 1_000_000, perSecond: 1 }),
        requestBudgetMs: 5000,
        bodyLimitBytes: defaultBodyLimitBytes,
        log: createLogger({ service: "gateway", level: "error" }),
      } satisfies GatewayDeps,
    );
    const admin = `Bearer ${await signer.sign(
      { sub: crypto.randomUUID(), email: "a@example.com", role: "admin", exp: 2e9 },
    )}`;
    const page = async (query: string) => {
      const res = await app.request(`/admin/events?${query}`, {
        headers: { authorization: admin },
      });
      assert.equal(res.status, 200, await res.clone().text());
      const body = await res.json();
      return { seqs: body.items.map((e: { seq: number }) => e.seq), next: body.next };
    };

    assert.ok(5 * 900_000 >= maxEventsPageChars && 4 * 900_000 < maxEventsPageChars);
    assert.deepEqual(await page("from=BIG&limit=100"), { seqs: [1, 2, 3, 4, 5], next: 6 });
    assert.deepEqual(await page("from=BIG&limit=100&fromSeq=6"), { seqs: [6, 7], next: undefined });
    assert.deepEqual(await page("from=BIG&limit=2&fromSeq=6"), { seqs: [6, 7], next: 8 });
    assert.deepEqual(await page("from=big.small"), { seqs: [7], next: undefined });
  } finally {
    await nc.close();
    await server.dispose();
  }
});
