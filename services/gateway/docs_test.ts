import assert from "node:assert/strict";
import { appWithoutDownstream } from "./testing.ts";

// /docs needs no downstream service: none is given.
const app = await appWithoutDownstream();

const expectedType: Record<string, RegExp> = {
  ".css": /^text\/css\b/,
  ".js": /^text\/javascript\b/,
};

Deno.test("docs: /docs works offline, from the gateway alone", async (t) => {
  const res = await app.request("/docs");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/html\b/);
  const html = await res.text();
  const referenced = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);

  await t.step("the page names no other host", () => {
    assert.deepEqual(html.match(/\bhttps?:\/\/[^\s"'<>)]*/g) ?? [], []);
    assert.deepEqual(html.match(/["'(]\/\//g) ?? [], [], "no protocol-relative URL");
    for (const url of referenced) assert.match(url, /^\/docs\/[\w.-]+$/);
  });

  await t.step("the page loads Swagger UI's stylesheet and script and reads /openapi.json", () => {
    assert.deepEqual(referenced.sort(), ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"]);
    assert.match(html, /SwaggerUIBundle\(\{"url":"\/openapi\.json"/);
  });

  await t.step("every asset it references answers 200 with its content type", async () => {
    for (const url of referenced) {
      const asset = await app.request(url);
      assert.equal(asset.status, 200, url);
      const extension = url.slice(url.lastIndexOf("."));
      assert.match(asset.headers.get("content-type") ?? "", expectedType[extension], url);
      const body = await asset.text();
      assert.ok(body.length > 10_000, `${url} is the package's file, ${body.length} chars`);
    }
    const script = await (await app.request("/docs/swagger-ui-bundle.js")).text();
    assert.match(script, /SwaggerUIBundle/);
    const head = await app.request("/docs/swagger-ui.css", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.match(head.headers.get("content-type") ?? "", /^text\/css\b/);
  });

  await t.step("anything else under /docs is a 404", async () => {
    for (const path of ["/docs/index.html", "/docs/toString", "/docs/__proto__", "/docs/"]) {
      const res = await app.request(path);
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
  });
});
