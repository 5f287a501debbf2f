import assert from "node:assert/strict";
import { sameSignalWithinMs, StopSignals } from "./stop_signals.ts";

Deno.test("StopSignals: one Ctrl-C delivered twice stops; a later one kills", async (t) => {
  let now = 0;
  const clock = () => now;

  await t.step("the first signal stops, its copy within the window is a duplicate", () => {
    const signals = new StopSignals(sameSignalWithinMs, clock);
    now = 5_000;
    assert.equal(signals.received(), "stop");
    now += 3; // deno task forwards the terminal's SIGINT within milliseconds
    assert.equal(signals.received(), "duplicate");
    now += sameSignalWithinMs - 3;
    assert.equal(signals.received(), "duplicate");
  });

  await t.step("a signal after the window is a second Ctrl-C: kill", () => {
    const signals = new StopSignals(sameSignalWithinMs, clock);
    now = 5_000;
    assert.equal(signals.received(), "stop");
    now += 2_000;
    assert.equal(signals.received(), "kill");
    assert.equal(signals.received(), "kill");
  });

  await t.step("a stop begun by a dead child: a signal soon after is absorbed, later kills", () => {
    const signals = new StopSignals(sameSignalWithinMs, clock);
    now = 5_000;
    signals.stopping();
    now += 10;
    assert.equal(signals.received(), "duplicate");
    now += 2_000;
    assert.equal(signals.received(), "kill");
  });

  await t.step("stopping() again keeps the first start", () => {
    const signals = new StopSignals(sameSignalWithinMs, clock);
    now = 5_000;
    assert.equal(signals.received(), "stop");
    now += 2_000;
    signals.stopping();
    assert.equal(signals.received(), "kill");
  });
});
