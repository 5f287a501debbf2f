/**
 * A slow service costs its caller no more than the caller's deadline (504 `deadline`), and the
 * service drops the reply that comes too late.
 */
import assert from "node:assert/strict";
import { catalogApi } from "../shared/contracts/mod.ts";
import { standIn, unused } from "./harness/stand_in.ts";
import { startStack } from "./harness/stack.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("a slow service costs the caller its deadline, and drops the late reply", async () => {
  const stack = await startStack({
    services: [],
    env: { REQUEST_BUDGET_MS: "500", RPC_TIMEOUT_MS: "400" },
  });
  const lines: string[] = [];
  const slow = await standIn(stack, catalogApi, {
    listProducts: async () => {
      await sleep(1500);
      return { items: [] };
    },
    getProduct: unused,
    quote: unused,
  }, lines);
  try {
    const started = performance.now();
    const res = await stack.request("/products");
    const ms = performance.now() - started;
    assert.equal(res.status, 504);
    assert.equal((await res.json()).kind, "deadline");
    assert.ok(ms < 500 + 100, `answered after ${ms} ms`);
    await sleep(1600);
    const dropped = lines.map((l) => JSON.parse(l)).filter((l) =>
      l.msg === "dropped a reply past its deadline"
    );
    assert.ok(dropped.length >= 1, "the slow service said it dropped the late reply");
  } finally {
    await slow.stop();
    await stack.close();
  }
});
