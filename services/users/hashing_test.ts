import assert from "node:assert/strict";
import { ServiceError } from "../../shared/errors/mod.ts";
import { passwordHashing } from "./hashing.ts";

Deno.test("password hashing: bounded, and refused at once past the line", async () => {
  const passwords = passwordHashing({ iterations: 10_000, concurrency: 1, maxQueue: 1 });
  const stored = await passwords.hash("correct horse", Infinity);
  const running = passwords.verify("correct horse", stored, Infinity);
  const waiting = passwords.verify("wrong horse", stored, Infinity);
  assert.deepEqual({ ...passwords.load, meanMs: 0 }, { running: 1, waiting: 1, meanMs: 0 });
  const refused = await passwords.hash("another", Infinity).catch((e) => e);
  assert.ok(refused instanceof ServiceError);
  assert.equal(refused.kind, "unavailable");
  assert.ok((refused.details as { retryAfterMs: number }).retryAfterMs >= 1);
  assert.equal(await running, true);
  assert.equal(await waiting, false);
  const late = await passwords.verify("x", stored, Date.now() - 1).catch((e) => e);
  assert.equal(late.kind ?? "ran", "ran", "a free turn runs whatever the estimate");
});
