/** Runs the operator's CLI (`deno task ops`) as an operator would, against a test stack's NATS. */
import assert from "node:assert/strict";
import type { Stack } from "./stack.ts";

/** Who the audit names for the CLI's actions in tests. */
export const testOperator = "test-operator";

/** The command's standard output; fails the test when it exits non-zero. */
export async function ops(stack: Stack, ...args: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "ops", ...args],
    env: {
      NATS_URL: stack.nats.url,
      USER: testOperator,
      ...stack.nats.authorization && { NATS_NKEY_SEED: stack.nats.seed("operator")! },
      ...stack.nats.caFile && { NATS_CA_FILE: stack.nats.caFile },
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  assert.ok(output.success, `ops ${args.join(" ")}: ${text(output.stderr)}`);
  return text(output.stdout);
}
