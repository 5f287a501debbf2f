/**
 * `deno task build <service>|all [--out dir]`: one bundled file per service,
 * `<out>/<service>/main.js` (default out: dist), runnable with `--allow-net --allow-env` when
 * given a database URL and a NATS URL, and deployable alone.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { serviceNames } from "../services/registry.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

export async function buildService(name: string, out = "dist"): Promise<string> {
  const file = `${out}/${name}/main.js`;
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "deno", "-o", file, `services/${name}/main.ts`],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) throw new Error(`bundling ${name} failed`);
  return file;
}

if (import.meta.main) {
  const names = serviceNames;
  const usage = `usage: deno task build <${names.join("|")}|all> [--out dir]`;
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: Deno.args,
        options: {
          out: { type: "string", default: "dist" },
          help: { type: "boolean", short: "h" },
        },
        allowPositionals: true,
      });
    } catch (error) {
      // node:util's parseArgs throws on an unknown option: one line, not its stack trace.
      console.error(`build: ${(error as Error).message}\n${usage}`);
      Deno.exit(2);
    }
  })();
  if (values.help) {
    console.log(usage);
    Deno.exit(0);
  }
  const wanted = positionals[0];
  if (!wanted || (wanted !== "all" && !names.includes(wanted))) {
    console.error(usage);
    Deno.exit(2);
  }
  for (const name of wanted === "all" ? names : [wanted]) {
    const file = await buildService(name, values.out);
    const { size } = await Deno.stat(`${root}/${file}`);
    console.log(`${name}: ${file} (${(size / 1e6).toFixed(1)} MB)`);
  }
}
