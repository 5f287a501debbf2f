/**
 * The admin saga routes refuse bad input as a 4xx problem naming the field, before NATS is
 * asked (the connection here throws when used), and are in the OpenAPI document.
 */
import assert from "node:assert/strict";
import { app, assertProblem, fakeNats, gateway, token } from "../fake_downstream.ts";

const orderId = "0192f0c4-1111-7aaa-8bbb-123456789abc";

Deno.test("gateway admin sagas: bad input is a 4xx naming the field, never 5xx", async (t) => {
  const admin = { authorization: `Bearer ${await token("admin")}` };
  const json = { ...admin, "content-type": "application/json" };
  const retry = (id: string, body: unknown, headers: Record<string, string> = json) =>
    app.request(`/admin/sagas/${id}/retry`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });

  await t.step("without a token 401, with a user's 403", async () => {
    await assertProblem(await app.request("/admin/sagas"), 401, "unauthorized");
    const user = { authorization: `Bearer ${await token("user")}` };
    await assertProblem(await app.request("/admin/sagas", { headers: user }), 403, "forbidden");
    await assertProblem(
      await retry(orderId, { reason: "fixed" }, { ...user, "content-type": "application/json" }),
      403,
      "forbidden",
    );
  });

  const badQueries: [string, string, string][] = [
    ["/admin/sagas?stuckAfterSeconds=0", "stuckAfterSeconds", "a threshold of 0"],
    ["/admin/sagas?stuckAfterSeconds=1.5", "stuckAfterSeconds", "a fraction"],
    ["/admin/sagas?stuckAfterSeconds=2592001", "stuckAfterSeconds", "past 30 days"],
    ["/admin/sagas?stuckAfterSeconds=soon", "stuckAfterSeconds", "not a number"],
    ["/admin/sagas?stuckOnly=yes", "stuckOnly", "not true or false"],
    ["/admin/sagas?limit=201", "limit", "a page past 200"],
    ["/admin/sagas?cursor=abc!", "cursor", "a cursor no page gave"],
    ["/admin/sagas/failed?limit=0", "limit", "an empty page"],
    ["/admin/sagas/failed?cursor=x", "cursor", "a cursor no page gave"],
  ];
  for (const [path, field, what] of badQueries) {
    await t.step(`${what}: 400 naming ${field} (${path})`, async () => {
      const problem = await assertProblem(
        await app.request(path, { headers: admin }),
        400,
        "invalid",
      );
      assert.deepEqual(problem.errors.map((e: { path: string }) => e.path), [field]);
    });
  }

  await t.step("a retry of no order's id is 404 not_found", async () => {
    await assertProblem(await retry("42", { reason: "fixed" }), 404, "not_found");
  });

  await t.step("a retry without a reason, or a reason too short, is 400 naming it", async () => {
    for (const body of [{}, { reason: "x" }, { reason: "two\nlines" }]) {
      const problem = await assertProblem(await retry(orderId, body), 400, "invalid");
      assert.deepEqual(problem.errors.map((e: { path: string }) => e.path), ["reason"]);
    }
  });

  await t.step("a retry that is not JSON is 415", async () => {
    const res = await retry(orderId, { reason: "fixed" }, admin);
    await assertProblem(res, 415, "unsupported_media_type");
  });

  await t.step("good input goes on to NATS: without it, 503 at once", async () => {
    const down = await gateway({ nc: fakeNats(() => Promise.reject(new Error("down"))) });
    for (
      const request of [
        down.request("/admin/sagas?stuckAfterSeconds=300&stuckOnly=true&limit=5", {
          headers: admin,
        }),
        down.request("/admin/sagas/failed", { headers: admin }),
        down.request(`/admin/sagas/${orderId}/retry`, {
          method: "POST",
          headers: json,
          body: JSON.stringify({ reason: "the trigger is gone" }),
        }),
      ]
    ) {
      const problem = await assertProblem(await request, 503, "unavailable");
      assert.equal(problem.origin, "nats");
    }
  });

  await t.step("the routes are in the OpenAPI document", async () => {
    const document = await (await app.request("/openapi.json")).json();
    const paths = Object.keys(document.paths);
    for (const path of ["/admin/sagas", "/admin/sagas/failed", "/admin/sagas/{orderId}/retry"]) {
      assert.ok(paths.includes(path), `${path} in ${paths.join(", ")}`);
    }
    const retryDoc = document.paths["/admin/sagas/{orderId}/retry"].post;
    assert.ok(retryDoc.security, "needs a token");
    assert.ok(retryDoc.responses["404"] && retryDoc.responses["200"]);
  });
});
