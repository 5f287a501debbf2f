/** Runs the operator's CLI (`deno task ops`) as an operator would, against a test stack's NATS. */
import assert from "node:assert/strict";
import type { CommandOutput } from "./command_line.ts";
import type { Stack } from "./stack.ts";

/** Who the audit names for the CLI's actions in tests. */
export const testOperator = "test-operator";

/** The command's standard output; fails the test when it exits non-zero. */
export async function ops(stack: Stack, ...args: string[]): Promise<string> {
  const output = await opsOutcome(stack, ...args);
  assert.equal(output.code, 0, `ops ${args.join(" ")}: ${output.stderr}`);
  return output.stdout;
}

/** The command's exit code, standard output and error, whatever it exits with. */
export async function opsOutcome(stack: Stack, ...args: string[]): Promise<CommandOutput> {
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
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}
