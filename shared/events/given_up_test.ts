import assert from "node:assert/strict";
import { clipText } from "./given_up.ts";

Deno.test("clipText: at most the bound, no NUL, no lone surrogate where the cut fell", () => {
  assert.equal(clipText("short", 10), "short");
  assert.equal(clipText("a\u0000b", 10), "ab");
  assert.equal(clipText("x".repeat(20), 10), "x".repeat(10));
  // "😀" is two code units: a cut between them drops the half.
  const clipped = clipText("abcdefghi😀z", 10);
  assert.equal(clipped, "abcdefghi");
  assert.equal(clipText("abcdefgh😀z", 10), "abcdefgh😀");
});
