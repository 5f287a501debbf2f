import assert from "node:assert/strict";
import { appWithoutDownstream } from "./testing.ts";

// Only the routing table is read here; no request reaches a downstream service.
const app = await appWithoutDownstream();

const document = await (await app.request("/openapi.json")).json();

Deno.test("openapi: every route of the app is documented, and nothing else", () => {
  const routes = new Set(
    app.routes
      .filter((r) => r.method !== "ALL" && !r.path.includes("*"))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
  );
  const documented = new Set(
    Object.entries(document.paths as Record<string, object>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method} ${path}`)
    ),
  );
  assert.deepEqual([...routes].sort(), [...documented].sort());
});

Deno.test("openapi: bodies come from the zod schemas that validate them", () => {
  const register = document.paths["/auth/register"].post.requestBody.content["application/json"];
  assert.deepEqual(register.schema.required.sort(), ["email", "name", "password"]);
  assert.equal(register.schema.properties.password.minLength, 8);
  const order = document.paths["/orders"].post;
  assert.equal(order.security[0].bearer.length, 0);
  const item = order.requestBody.content["application/json"].schema.properties.items;
  assert.equal(item.minItems, 1);
  assert.equal(item.items.properties.quantity.minimum, 1);
  assert.ok(order.responses["422"]);
});

Deno.test("openapi: /docs is a page that reads /openapi.json", async () => {
  const res = await app.request("/docs");
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /swagger/i);
  assert.match(html, /\/openapi\.json/);
});

interface Documented {
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, unknown>;
}

Deno.test("openapi: every route with a JSON body documents 400, 408 and 415", () => {
  const withBody = Object.entries(document.paths as Record<string, Record<string, Documented>>)
    .flatMap(([path, methods]) =>
      Object.entries(methods).filter(([, op]) => op.requestBody).map(([m, op]) => ({
        route: `${m} ${path}`,
        op,
      }))
    );
  assert.ok(withBody.length >= 8, `${withBody.length} routes take a body`);
  for (const { route, op } of withBody) {
    assert.deepEqual(Object.keys(op.requestBody!.content), ["application/json"], route);
    for (const status of ["400", "408", "415"]) {
      assert.ok(op.responses[status], `${route} ${status}`);
    }
  }
});
