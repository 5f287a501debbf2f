/**
 * The dashboard's client files, served from /assets: htmx and mermaid come from their npm
 * packages (pinned in deno.json, read in as text at load), so the pages work offline; the
 * stylesheet is ours.
 */
import { Hono } from "hono";
import htmx from "htmx.org/dist/htmx.min.js" with { type: "text" };
import mermaid from "mermaid/dist/mermaid.min.js" with { type: "text" };
import stylesheet from "./dashboard.css" with { type: "text" };

const javascript = "text/javascript; charset=utf-8";
const files: Record<string, { body: string; type: string }> = {
  "htmx.min.js": { body: htmx, type: javascript },
  "mermaid.min.js": { body: mermaid, type: javascript },
  "dashboard.css": { body: stylesheet, type: "text/css; charset=utf-8" },
};

/** GET /<file> for each asset; a day's caching, as they change only with the pinned versions. */
export function assets(): Hono {
  const app = new Hono();
  for (const [name, { body, type }] of Object.entries(files)) {
    app.get(
      `/${name}`,
      (c) => c.body(body, 200, { "content-type": type, "cache-control": "max-age=86400" }),
    );
  }
  return app;
}
