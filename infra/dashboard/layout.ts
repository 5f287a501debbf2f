/**
 * The dashboard's shell: every page is one HTML document with the same head (htmx, mermaid and
 * the stylesheet, all served by the dashboard itself from /assets, so it works offline), a nav
 * of the six pages and a search box that opens a trace id or an order id.
 */
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/** The pages, in the nav's order: each is mounted at `/<name>` by app.ts. */
export const pageNames = ["services", "flow", "orders", "traces", "events", "logs"] as const;
export type PageName = (typeof pageNames)[number];

/** What `html` yields: a string, or a promise of one when a part is awaited. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * A whole page: `title` in the head and as the heading, `body` below the nav. The nav marks the
 * page named by the title's first word (case-insensitive; "Order 0193…" is the Orders page) as
 * the current one.
 */
export function layout(title: string, body: Html): Html {
  const first = title.toLowerCase().match(/^[a-z]+/)?.[0] ?? "";
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${title} · dev dashboard</title>
        <link rel="stylesheet" href="/assets/dashboard.css">
        <meta name="htmx-config"
          content='{"responseHandling":[{"code":"204","swap":false},{"code":"...","swap":true}]}'>
        <script src="/assets/htmx.min.js"></script>
      </head>
      <body>
        <header>
          <nav>
    <a class="brand" href="/">dev dashboard</a>
    ${pageNames.map((name) =>
      html`
        <a href="/${name}" ${first !== "" && name.startsWith(first)
          ? html`
            class="current"
          `
          : ""}>${capitalized(name)}</a>
      `
    )}
    <form action="/search" method="get" class="search">
    <input name="q" placeholder="trace id or order id" aria-label="trace id or order id" required>
    </form>
          </nav>
        </header>
        <main>
    <h1>${title}</h1>
    ${body}
        </main>
      </body>
    </html>
  `;
}

/**
 * A part that htmx reloads from `url` every `seconds` while the page is open (and only then),
 * paused while the reader has something open in it (a `<details>`) or is typing in it: a reload
 * replaces the part, which closed what they opened and wiped what they typed.
 */
export function live(url: string, content: Html, seconds = 2): Html {
  return html`
    <div hx-get="${url}" hx-trigger="every ${seconds}s ${pausedWhile}"
      hx-swap="innerHTML">${content}</div>
  `;
}

/**
 * htmx's trigger filter (`this`, the part) for a part that polls: reload only when nothing in it
 * is open or typed in.
 */
export const pausedWhile =
  "[!this.querySelector('details[open], input:focus, select:focus, textarea:focus')]";

function capitalized(name: string): string {
  return name[0].toUpperCase() + name.slice(1);
}
