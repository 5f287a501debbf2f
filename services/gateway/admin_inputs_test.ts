/**
 * The gateway's admin routes refuse bad operator input as 4xx naming the field, never a 5xx:
 * unknown services, bad subject filters, an events range that ends before it starts.
 */
import assert from "node:assert/strict";
import { app, assertProblem, token } from "./fake_downstream.ts";

Deno.test("gateway admin inputs: 4xx naming the field, never 5xx", async (t) => {
  const headers = {
    authorization: `Bearer ${await token("admin")}`,
    "content-type": "application/json",
  };

  await t.step("replay to an unknown service is 404 not_found", async () => {
    const res = await app.request("/admin/replay", {
      method: "POST",
      headers,
      body: JSON.stringify({ service: "nosuch", from: "ORDERS", dryRun: true }),
    });
    await assertProblem(res, 404, "not_found");
  });

  await t.step("rebuild of an unknown service is 404 not_found", async () => {
    const res = await app.request("/admin/rebuild", {
      method: "POST",
      headers,
      body: JSON.stringify({ service: "nosuch" }),
    });
    await assertProblem(res, 404, "not_found");
  });

  for (const from of ["orders..placed", "orders.>.placed", "orders.order placed", "", "a.b>"]) {
    await t.step(
      `a bad subject filter (${JSON.stringify(from)}) is 400 naming "from"`,
      async () => {
        const replay = await app.request("/admin/replay", {
          method: "POST",
          headers,
          body: JSON.stringify({ service: "payments", from, dryRun: true }),
        });
        const problem = await assertProblem(replay, 400, "invalid");
        assert.deepEqual(problem.errors.map((e: { path: string }) => e.path), ["from"]);
        const events = await app.request(`/admin/events?from=${encodeURIComponent(from)}`, {
          headers,
        });
        const eventsProblem = await assertProblem(events, 400, "invalid");
        assert.deepEqual(eventsProblem.errors.map((e: { path: string }) => e.path), ["from"]);
      },
    );
  }

  await t.step("an events range that ends before it starts is 400 naming toSeq", async () => {
    const res = await app.request("/admin/events?from=ORDERS&fromSeq=5&toSeq=2", { headers });
    const problem = await assertProblem(res, 400, "invalid");
    assert.deepEqual(problem.errors.map((e: { path: string }) => e.path), ["toSeq"]);
  });
});
