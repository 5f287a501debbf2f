/**
 * The dev stack's token signing key: made on the first `deno task dev` into
 * `<DATA_DIR>/token-signing-key.json`, readable by its owner only, and reused afterwards, so
 * tokens stay valid across restarts. Only the users service is given it (TOKEN_SIGNING_KEY).
 */
import { join } from "node:path";
import { generateSigningKey } from "../../services/users/keys.ts";

export function signingKeyFile(dataDir: string): string {
  return join(dataDir, "token-signing-key.json");
}

/** The key in `dataDir` as JSON, made first when there is none; `made` says which. */
export async function devSigningKey(dataDir: string): Promise<{ key: string; made: boolean }> {
  const file = signingKeyFile(dataDir);
  try {
    return { key: (await Deno.readTextFile(file)).trim(), made: false };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(dataDir, { recursive: true });
  const key = JSON.stringify(await generateSigningKey());
  // createNew: two runners starting at once must not overwrite each other's key.
  await Deno.writeTextFile(file, key + "\n", { mode: 0o600, createNew: true });
  return { key, made: true };
}
