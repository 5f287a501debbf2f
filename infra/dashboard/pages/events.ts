/**
 * Events: a live tail of each stream; the dead letters, each shown, re-driven or discarded
 * through the operator's kit (shared/operator, as `deno task ops` does: every action recorded
 * in AUDIT); and a replay dry run, which asks a service what a replay would do and changes
 * nothing.
 */
import { Hono } from "hono";
import { html } from "hono/html";
import {
  type DeadLetter,
  discardDeadLetter,
  listDeadLetters,
  redriveDeadLetters,
  replayToService,
  showDeadLetter,
  type StreamEntry,
} from "../../../shared/operator/mod.ts";
import { auditStream } from "../../../shared/contracts/mod.ts";
import { ServiceError } from "../../../shared/errors/mod.ts";
import { type Html, layout, live } from "../layout.ts";
import { readIfExists } from "../read_if_exists.ts";
import { discardForm, formFields, parsed, replayForm, sequenceText } from "../operator_forms.ts";
import type { DashboardSources } from "../sources.ts";

/** Messages shown per stream in the tail. */
const tailLength = 8;

/** GET /events and its live parts; POST re-drive, discard and replay dry run. */
export function eventsPage(sources: DashboardSources): Hono {
  // Those that answer the operator's endpoints: the services that own data (not the gateway).
  const names = sources.registry.filter((s) => s.migrations !== null).map((s) => s.name);
  const publishedStreams = sources.registry.flatMap((s) => s.bus.publishes ?? []);
  const published = publishedStreams.map((stream) => stream.name);
  // The operators' actions too: what re-drive, discard and replay recorded.
  const streams = [...published, auditStream.name];
  const form = replayForm(names, publishedStreams);
  const actor = async () => ({ nc: await sources.nats(), actor: sources.actor, log: sources.log });
  const app = new Hono();

  app.get("/", async (c) => {
    const nc = await sources.nats();
    const [tail, letters] = await Promise.all([tailView(nc, streams), lettersView(nc)]);
    return c.html(layout(
      "Events",
      html`
        <h2>Dead letters</h2>
        ${live("/events/deadletters", letters)}
        <div id="action-result"></div>
        <h2>Streams, latest first</h2>
        ${live("/events/tail", tail)}
        <h2>Replay, dry run</h2>
        <p class="muted">Asks the service what replaying the range would do (apply, skip as already
        applied, not handled); nothing is applied. <code>deno task ops replay</code> runs it for real.</p>
        <form hx-post="/events/replay" hx-target="#replay-result" method="post" action="/events/replay">
          <select name="service" aria-label="service">${names.map((n) =>
            html`<option>${n}</option>`
          )}</select>
          <select name="stream" aria-label="stream">${published.map((s) =>
            html`<option>${s}</option>`
          )}</select>
          <input name="subject" placeholder="subject (optional)" aria-label="subject">
          <input name="fromSeq" placeholder="from seq" size="8" aria-label="from sequence">
          <input name="toSeq" placeholder="to seq" size="8" aria-label="to sequence">
          <button>Dry run</button>
        </form>
        <div id="replay-result"></div>
      `,
    ));
  });

  app.get("/tail", async (c) => c.html(await tailView(await sources.nats(), streams)));
  app.get("/deadletters", async (c) => c.html(await lettersView(await sources.nats())));

  app.get("/deadletters/:seq", async (c) => {
    const seq = parsed(sequenceText, c.req.param("seq"));
    const letter = await showDeadLetter(await sources.nats(), seq);
    return c.html(layout(
      `Events: dead letter ${seq}`,
      html`
        <p>${letter.service} failed ${letter.stream} #${letter.streamSeq}: ${letter.reason}</p>
        <pre>${JSON.stringify(letter, null, 2)}</pre>
        <p><a href="/events">back</a></p>
      `,
    ));
  });

  app.post("/deadletters/:seq/redrive", async (c) => {
    const seq = parsed(sequenceText, c.req.param("seq"));
    const { nc, ...by } = await actor();
    const results = await redriveDeadLetters(nc, { ...by, sequences: [seq] });
    // Nothing was re-driven, so nothing was recorded: a 404, as showing it is.
    if (results.every((result) => result.outcome === "not_found")) {
      throw new ServiceError("not_found", `no dead letter #${seq}`);
    }
    return c.html(
      html`<p class="action-outcome">Re-drive of #${seq}: ${
        results.map((r) => `${r.outcome}${r.error ? ` (${r.error})` : ""}`).join(", ")
      } (recorded in AUDIT)</p>`,
    );
  });

  app.post("/deadletters/:seq/discard", async (c) => {
    const seq = parsed(sequenceText, c.req.param("seq"));
    const { reason } = parsed(discardForm, await formFields(c.req));
    const { nc, ...by } = await actor();
    const letter = await discardDeadLetter(nc, { seq, reason, ...by });
    return c.html(
      html`<p class="action-outcome">Discarded #${seq} (${letter.service}: ${letter.subject});
recorded in AUDIT.</p>`,
    );
  });

  app.post("/replay", async (c) => {
    const request = parsed(form, await formFields(c.req));
    const { nc, ...by } = await actor();
    const { service, ...range } = request;
    const report = await replayToService(nc, {
      service,
      services: names,
      range,
      dryRun: true,
      ...by,
    });
    return c.html(html`
      <p class="replay-outcome">${service} would read ${report.read}: apply
      ${report.applied}, skip ${report.skipped} (already applied), not handle ${report.notHandled},
      invalid ${report.invalid}.</p>
      <details>
        <summary>the report</summary>
        <pre>${JSON.stringify(report, null, 2)}</pre>
      </details>
    `);
  });
  return app;
}

async function tailView(nc: Awaited<ReturnType<DashboardSources["nats"]>>, streams: string[]) {
  const tails = await Promise.all(streams.map(async (stream) => {
    const entries: StreamEntry[] = [];
    for await (const entry of readIfExists(nc, { stream, last: tailLength })) entries.push(entry);
    return [stream, entries.reverse()] as const;
  }));
  return html`<div class="cards">${
    tails.map(([stream, entries]) =>
      html`<section class="card stream" data-stream="${stream}"><h2>${stream}</h2>${
        entries.length === 0 ? html`<p class="muted">empty</p>` : html`<table>
<tr><th>#</th><th>at</th><th>subject</th><th>source</th></tr>
${entries.map(entryRow)}</table>`
      }</section>`
    )
  }</div>`;
}

function entryRow(entry: StreamEntry): Html {
  const event = entry.event;
  const orderId = (event?.data as { orderId?: string } | undefined)?.orderId;
  return html`
    <tr>
      <td class="number">${entry.seq}</td>
      <td>${entry.time.slice(11, 23)}</td>
      <td>
        <details>
          <summary>${entry.subject}${orderId
            ? html`
              <a href="/orders/${orderId}">order</a>
            `
            : ""}</summary>
          <pre>${JSON.stringify(event ?? entry.raw, null, 2)}</pre>
        </details>
      </td>
      <td>${event?.source ?? ""}</td>
    </tr>
  `;
}

async function lettersView(nc: Awaited<ReturnType<DashboardSources["nats"]>>): Promise<Html> {
  const letters = await listDeadLetters(nc, { limit: 50 });
  if (letters.length === 0) return html`<p class="muted" id="no-dead-letters">No dead letters.</p>`;
  return html`<table id="dead-letters">
<tr><th>#</th><th>at</th><th>service</th><th>failed on</th><th>reason</th><th></th></tr>
${letters.map(letterRow)}
</table>`;
}

function letterRow(letter: DeadLetter): Html {
  const path = `/events/deadletters/${letter.seq}`;
  return html`
    <tr class="dead-letter">
      <td><a href="${path}">${letter.seq}</a></td>
      <td>${letter.at}</td>
      <td>${letter.service}</td>
      <td>${letter.stream} #${letter.streamSeq} <code>${letter.subject}</code></td>
      <td>${letter.reason}</td>
      <td>
        <form class="inline" hx-post="${path}/redrive" hx-target="#action-result" method="post"
          action="${path}/redrive">
    <button>Re-drive</button></form>
        <form class="inline" hx-post="${path}/discard" hx-target="#action-result" method="post"
          action="${path}/discard">
    <input name="reason" placeholder="why discard" aria-label="reason" required minlength="3">
    <button>Discard</button></form>
      </td>
    </tr>
  `;
}
