/** The inbox rule: its retention outlives what streams, duplicates and dead letters bring back. */
import assert from "node:assert/strict";
import { duplicateWindowMs } from "../bus/mod.ts";
import { ConfigError, retentionConfig } from "../config/mod.ts";
import { catalogStream, ordersStream, paymentsStream, usersStream } from "../contracts/mod.ts";
import {
  checkInboxRetention,
  clockSkewAllowanceMs,
  configuredHorizon,
  inboxRetentionFloorMs,
  republishAllowanceMs,
} from "./inbox_retention.ts";

const day = 24 * 60 * 60 * 1000;
const horizon = (streamDays: number, deadLetterDays: number, windowMs = duplicateWindowMs) => ({
  streamMaxAgesMs: [streamDays * day],
  duplicateWindowMs: windowMs,
  deadLetterMaxAgeMs: deadLetterDays * day,
});
const refused = (retentionMs: number, h: ReturnType<typeof horizon>) =>
  assert.throws(
    () => checkInboxRetention(retentionMs, h),
    (error) => error instanceof ConfigError && /INBOX_RETENTION_MS/.test(error.message),
  );

Deno.test("inbox rule: retention outlives streams, duplicates and dead letters", async (t) => {
  await t.step("the kit's figures: 30 days + 1 day + 1 hour; the default 35 days holds", () => {
    const every = configuredHorizon([ordersStream, paymentsStream, catalogStream, usersStream]);
    assert.equal(inboxRetentionFloorMs(every), 31 * day + 60 * 60 * 1000);
    assert.equal(republishAllowanceMs + clockSkewAllowanceMs, day + 60 * 60 * 1000);
    const { INBOX_RETENTION_MS } = retentionConfig.parse({});
    assert.equal(INBOX_RETENTION_MS, 35 * day);
    checkInboxRetention(INBOX_RETENTION_MS, every);
  });

  await t.step("shorter than a stream's max age (and the re-publish allowance): refused", () => {
    refused(30 * day, horizon(30, 1));
    refused(31 * day, horizon(30, 1));
    checkInboxRetention(32 * day, horizon(30, 1));
  });

  await t.step("shorter than the dead letters' max age: refused", () => {
    refused(40 * day, horizon(7, 45));
    checkInboxRetention(46 * day, horizon(7, 45));
  });

  await t.step("shorter than the duplicate window: refused", () => {
    refused(2 * day, horizon(0.5, 0.5, 3 * day));
    checkInboxRetention(3 * day + clockSkewAllowanceMs, horizon(0.5, 0.5, 3 * day));
  });

  await t.step("a stream or the dead letters kept for ever: no retention will do", () => {
    assert.equal(inboxRetentionFloorMs(horizon(0, 30)), Infinity);
    assert.equal(inboxRetentionFloorMs(horizon(30, 0)), Infinity);
    refused(10_000 * day, horizon(0, 30));
  });

  await t.step("the longest of several streams counts", () => {
    const h = { ...horizon(1, 1), streamMaxAgesMs: [day, 60 * day] };
    refused(60 * day, h);
    checkInboxRetention(62 * day, h);
  });
});
