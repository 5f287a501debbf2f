import assert from "node:assert/strict";
import { hashPassword, verifyPassword } from "./password.ts";

Deno.test("password: the right password verifies, a wrong one does not", async () => {
  const stored = await hashPassword("correct horse", 10_000);
  assert.equal(await verifyPassword("correct horse", stored), true);
  assert.equal(await verifyPassword("correct horsE", stored), false);
});

Deno.test("password: salted per hash, iterations stored with it", async () => {
  const a = await hashPassword("same", 10_000);
  const b = await hashPassword("same", 10_000);
  assert.notEqual(a, b);
  assert.match(a, /^pbkdf2-sha256\$10000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  // A hash made with other iterations still verifies: the count travels with it.
  assert.equal(await verifyPassword("same", await hashPassword("same", 20_000)), true);
});

Deno.test("password: a stored value this code cannot read never verifies", async () => {
  for (const stored of ["", "md5$abc", "pbkdf2-sha256$x$y$z", "pbkdf2-sha256$1000$$"]) {
    assert.equal(await verifyPassword("anything", stored), false, stored);
  }
});
