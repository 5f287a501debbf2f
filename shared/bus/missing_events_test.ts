import assert from "node:assert/strict";
import { describeMissing, missingFrom } from "./missing_events.ts";

const day = 86_400_000;

Deno.test("missingFrom: what a stream's state says it lost", async (t) => {
  await t.step("every event held, or none ever stored: nothing missing", () => {
    assert.equal(missingFrom("ORDERS", { first_seq: 1, last_seq: 9, messages: 9 }, 0), null);
    assert.equal(missingFrom("ORDERS", { first_seq: 0, last_seq: 0, messages: 0 }, 0), null);
  });

  await t.step("its oldest aged out: the first held and the count", () => {
    const lost = missingFrom("ORDERS", { first_seq: 5, last_seq: 12, messages: 8 }, 30 * day * 1e6);
    assert.deepEqual(lost, {
      stream: "ORDERS",
      firstSeq: 5,
      lastSeq: 12,
      held: 8,
      missing: 4,
      maxAgeMs: 30 * day,
    });
    assert.equal(
      describeMissing(lost!),
      "ORDERS holds #5..#12 of its 12 events: 4 missing (aged out or deleted; its max age is 30 d)",
    );
  });

  await t.step("one deleted in the middle, or all gone", () => {
    const gap = missingFrom("ORDERS", { first_seq: 1, last_seq: 12, messages: 11 }, 0)!;
    assert.equal(gap.missing, 1);
    assert.match(
      describeMissing(gap),
      /holds #1\.\.#12 \(with gaps\) of its 12 events: 1 missing .*it keeps events for ever\)$/,
    );
    const all = missingFrom("ORDERS", { first_seq: 13, last_seq: 12, messages: 0 }, day * 1e6)!;
    assert.deepEqual([all.firstSeq, all.missing], [13, 12]);
    assert.match(describeMissing(all), /^ORDERS holds none of its 12 events: 12 missing/);
  });
});
