/**
 * The gateway's JSON routes take JSON only: any other media type, or none, is 415 before anything
 * downstream is asked; JSON with a charset, in capitals, or a +json type is JSON.
 */
import assert from "node:assert/strict";
import { app, assertProblem, calls, register, token } from "./fake_downstream.ts";

Deno.test("gateway JSON routes take JSON only", async (t) => {
  const adminHeaders = { authorization: `Bearer ${await token("admin")}` };

  await t.step("a redrive sent as a form (curl -d) is 415 and re-drives nothing", async () => {
    // noNats throws if the route runs: a 415 here means nothing was re-driven.
    const res = await app.request("/admin/deadletters/redrive", {
      method: "POST",
      headers: { ...adminHeaders, "content-type": "application/x-www-form-urlencoded" },
      body: JSON.stringify({ sequences: [7] }),
    });
    await assertProblem(res, 415, "unsupported_media_type");
  });

  for (
    const [what, headers] of [
      ["text/plain", { "content-type": "text/plain" }],
      ["a form", { "content-type": "application/x-www-form-urlencoded" }],
      ["multipart", { "content-type": "multipart/form-data; boundary=x" }],
      ["no content type", {}],
    ] as const
  ) {
    await t.step(`register with ${what} is 415, users never called`, async () => {
      calls.length = 0;
      const res = await app.request("/auth/register", {
        method: "POST",
        headers,
        body: new TextEncoder().encode(JSON.stringify(register)),
      });
      await assertProblem(res, 415, "unsupported_media_type");
      assert.deepEqual(calls, []);
    });
  }

  for (
    const contentType of [
      "application/json; charset=utf-8",
      "Application/JSON",
      "application/x+json",
    ]
  ) {
    await t.step(`${contentType} is JSON`, async () => {
      const res = await app.request("/auth/register", {
        method: "POST",
        headers: { "content-type": contentType },
        body: JSON.stringify(register),
      });
      assert.equal(res.status, 201, await res.clone().text());
      await res.body?.cancel();
    });
  }
});
