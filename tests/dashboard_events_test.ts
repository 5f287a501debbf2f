/**
 * The dashboard's Events page acting as the operator, on a test stack (real NATS with its
 * permissions, the services in this process): poison messages become dead letters, which the page
 * lists, shows, re-drives (refused again: not an event) and discards with a reason, each action on
 * the AUDIT stream under the operator's identity and the dashboard's actor; the page's tail shows
 * AUDIT. The page is the same Hono sub-app `deno task dev` serves, asked with `app.request`.
 */
import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { eventsPage } from "../infra/dashboard/pages/events.ts";
import { LogStore } from "../infra/dashboard/logs.ts";
import { TraceStore } from "../infra/dashboard/traces.ts";
import { operatorConnection } from "../infra/dashboard/sources.ts";
import { dashboardApp } from "../infra/dashboard/app.ts";
import { registry } from "../services/registry.ts";
import { createLogger } from "../shared/log/mod.ts";
import { readStream } from "../shared/operator/mod.ts";
import { eventually } from "./harness/eventually.ts";
import { startStack } from "./harness/stack.ts";

const actor = "dashboard (test)";

Deno.test("dashboard Events: dead letters shown, re-driven, discarded, audited", async (t) => {
  const stack = await startStack({ delivery: { maxDeliver: 2, backoffMs: [50] } });
  const operator = operatorConnection(
    stack.nats.url,
    stack.nats.seed("operator"),
    stack.nats.caFile,
  );
  const app = dashboardApp({
    traces: new TraceStore(),
    logs: new LogStore(),
    registry,
    gatewayUrl: "http://127.0.0.1:9",
    instances: {},
    nats: operator.nats,
    log: createLogger({ service: "dashboard", level: "error" }),
    actor,
  }, { events: eventsPage });
  const page = async (path: string, init?: RequestInit) => {
    const response = await app.request(path, init);
    return { status: response.status, text: await response.text() };
  };
  const letterSeqs = async () =>
    [...(await page("/events/deadletters")).text.matchAll(/href="\/events\/deadletters\/(\d+)"/g)]
      .map((match) => Number(match[1]));
  try {
    let seqs: number[] = [];

    await t.step("a poison message's dead letters are listed and shown", async () => {
      await jetstream(stack.nc).publish("orders.order.placed", "not json at all");
      // Payments, notifications and history read placed orders: one letter each.
      seqs = await eventually(async () => {
        const found = await letterSeqs();
        return found.length >= 3 ? found : undefined;
      });
      const shown = await page(`/events/deadletters/${seqs[0]}`);
      assert.equal(shown.status, 200);
      assert.match(shown.text, /not an event/);
      assert.equal((await page("/events/deadletters/999999")).status, 404);
      // Not "re-drive of #999999: not_found (recorded in AUDIT)" with nothing recorded.
      const absent = await app.request("/events/deadletters/999999/redrive", { method: "POST" });
      assert.equal(absent.status, 404);
      assert.equal((await absent.json()).kind, "not_found");
    });

    await t.step("re-driven, it is refused again and stays", async () => {
      const redriven = await page(`/events/deadletters/${seqs[0]}/redrive`, { method: "POST" });
      assert.equal(redriven.status, 200);
      assert.match(redriven.text, new RegExp(`Re-drive of #${seqs[0]}: invalid`));
      assert.ok((await letterSeqs()).includes(seqs[0]));
    });

    await t.step("discarded with a reason; without one, refused", async () => {
      const path = `/events/deadletters/${seqs[0]}/discard`;
      const noReason = await app.request(path, form({ reason: "no" }));
      assert.equal(noReason.status, 400);
      assert.equal((await noReason.json()).kind, "invalid");
      const discarded = await page(path, form({ reason: "a test publish, not a fact" }));
      assert.equal(discarded.status, 200, discarded.text);
      assert.match(discarded.text, new RegExp(`Discarded #${seqs[0]}`));
      assert.ok(!(await letterSeqs()).includes(seqs[0]));
    });

    await t.step("both actions on AUDIT, by the operator as the dashboard", async () => {
      const nc = await operator.nats();
      const audit = [];
      for await (const entry of readStream(nc, { stream: "AUDIT" })) audit.push(entry.event!.data);
      const actions = audit as { action: string; actor: string; reason?: string }[];
      assert.deepEqual(actions.map((a) => a.action), ["deadletter.redrive", "deadletter.discard"]);
      assert.ok(actions.every((a) => a.actor.startsWith("[operator ") && a.actor.endsWith(actor)));
      assert.equal(actions[1].reason, "a test publish, not a fact");
      const tail = await page("/events/tail");
      assert.match(tail.text, /data-stream="AUDIT"[\s\S]*audit\.operator\.acted/);
    });
  } finally {
    await operator.close();
    await stack.close();
  }
});

function form(fields: Record<string, string>): RequestInit {
  return { method: "POST", body: new URLSearchParams(fields) };
}
