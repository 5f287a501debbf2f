/** Runs one of the project's command-line programs as a user would, for tests of what it prints. */

const root = new URL("../..", import.meta.url);

export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `deno <args>` from the project's root, uncoloured, with the environment given (over this
 * process's unless `clearEnv`). Resolves when it exits; never throws for a non-zero exit.
 */
export async function runDeno(
  args: string[],
  options: { env?: Record<string, string>; clearEnv?: boolean } = {},
): Promise<CommandOutput> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    clearEnv: options.clearEnv ?? false,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}
