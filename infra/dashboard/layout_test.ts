/**
 * A live part in a real headless Chromium (Debian's `chromium`, driven by puppeteer-core): it
 * reloads while nothing in it is open, and holds still while a `<details>` in it is open or its
 * input has the focus (a reload replaced the part: what was opened closed, what was typed went).
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { html } from "hono/html";
import puppeteer from "puppeteer-core";
import { assets } from "./assets.ts";
import { layout, live } from "./layout.ts";

const chromium = "/usr/bin/chromium";

Deno.test("a live part pauses while the reader has something open in it", async (t) => {
  await Deno.stat(chromium).catch(() => {
    assert.fail(`no ${chromium}: apt-get install chromium (.ci/run installs it)`);
  });
  let reloads = 0;
  const part = () =>
    html`
      <details>
        <summary>an event</summary>
        <pre>its JSON</pre>
      </details>
      <input name="reason" aria-label="reason">
    `;
  const app = new Hono()
    .route("/assets", assets())
    .get("/", (c) => c.html(layout("Events", live("/part", part(), 1))))
    .get("/part", (c) => (reloads++, c.html(part())));
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    app.fetch,
  );
  const browser = await puppeteer.launch({
    executablePath: chromium,
    args: ["--no-sandbox", "--disable-gpu"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.addr.port}/`);
    const heldFor = async (ms: number) => {
      const before = reloads;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return reloads - before;
    };

    await t.step("with nothing open it reloads every second", async () => {
      assert.ok(await heldFor(2_500) >= 2);
    });

    await t.step("an open <details> stays open: no reload meanwhile", async () => {
      await page.click("summary");
      assert.equal(await heldFor(2_500), 0);
      assert.ok(await page.$eval("details", (d) => d.hasAttribute("open")));
      await page.click("summary");
      assert.ok(await heldFor(2_500) >= 1, "closed, it reloads again");
    });

    await t.step("what is being typed stays", async () => {
      await page.type("input[name=reason]", "poison message");
      assert.equal(await heldFor(2_500), 0);
      assert.equal(
        await page.$eval("input[name=reason]", (i) => (i as unknown as { value: string }).value),
        "poison message",
      );
    });
  } finally {
    await browser.close();
  }
});
