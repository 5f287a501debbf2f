/**
 * A declared route's request checks: JSON in any media type Hono's rule calls JSON (parameters,
 * `+json`) reaches the handler, though @hono/zod-openapi's own gate is stricter; anything else is
 * 415; a body its schema refuses is 400 `invalid` naming the field.
 */
import assert from "node:assert/strict";
import { z } from "@hono/zod-openapi";
import { jsonRoute, routeGroup } from "./openapi.ts";

const echo = jsonRoute({
  method: "post",
  path: "/echo",
  body: z.object({ quantity: z.number().int().min(1) }),
  summary: "echo",
  ok: { status: 200 },
});
const routes = routeGroup();
routes.openapi(echo, (c) => c.json(c.req.valid("json"), 200));

const post = (contentType: string | undefined, body: string) =>
  routes.request("/echo", {
    method: "POST",
    headers: contentType === undefined ? {} : { "content-type": contentType },
    body,
  });

Deno.test("declared routes: media types and validation", async (t) => {
  await t.step("every JSON media type reaches the handler", async () => {
    for (
      const type of [
        "application/json",
        "application/json;",
        "APPLICATION/JSON; charset=utf-8",
        "application/vnd.v2+json",
      ]
    ) {
      const res = await post(type, '{"quantity":2}');
      assert.equal(res.status, 200, type);
      assert.deepEqual(await res.json(), { quantity: 2 });
    }
  });

  await t.step("another media type, or none, is 415", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", undefined]) {
      const res = await post(type, '{"quantity":2}');
      assert.equal(res.status, 415, type);
      assert.equal((await res.json()).kind, "unsupported_media_type");
    }
  });

  await t.step("a body the schema refuses is 400 invalid, naming the field", async () => {
    const res = await post("application/json", '{"quantity":0}');
    assert.equal(res.status, 400);
    const problem = await res.json();
    assert.equal(problem.kind, "invalid");
    assert.deepEqual(problem.errors.map((e: { path: string }) => e.path), ["quantity"]);
  });
});
