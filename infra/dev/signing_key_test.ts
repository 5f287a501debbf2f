import assert from "node:assert/strict";
import { signingJwk } from "../../services/users/keys.ts";
import { devSigningKey, signingKeyFile } from "./signing_key.ts";

Deno.test("dev signing key: made once, owner-only, then reused", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "dev-signing-key-" });
  try {
    const first = await devSigningKey(`${dataDir}/nested`);
    await t.step("the first start makes a valid key, readable by its owner only", async () => {
      assert.equal(first.made, true);
      signingJwk.parse(JSON.parse(first.key));
      const { mode } = await Deno.stat(signingKeyFile(`${dataDir}/nested`));
      assert.equal(mode! & 0o777, 0o600);
    });
    await t.step("later starts reuse it", async () => {
      const again = await devSigningKey(`${dataDir}/nested`);
      assert.deepEqual(again, { key: first.key, made: false });
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
