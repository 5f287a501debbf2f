/**
 * `deno task build <service>|all [--out dir]`: one bundled, minified file per service,
 * `<out>/<service>/main.js` (default out: dist), runnable with `--allow-net --allow-env` when
 * given a database URL and a NATS URL, and deployable alone. It holds what the service runs at the
 * edge only: embedded PGlite, which a process without a file system cannot use, is left out.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { serviceNames } from "../services/registry.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * What a service's bundle leaves out, as imports it never runs or whose failure it expects.
 * PGlite (0.8 MB of JavaScript): shared/db/client.ts imports it only without a database URL,
 * which a bundle refuses first (no file system). Prometheus's client (67 kB minified): at the
 * edge metrics go over OTLP (shared/telemetry/prometheus.ts); the gateway keeps it, its HTTP
 * metrics (@hono/prometheus) need it.
 */
export function leftOut(name: string): string[] {
  const pglite = ["@electric-sql/pglite", "drizzle-orm/pglite"];
  return name === "gateway" ? pglite : [...pglite, "prom-client"];
}

/**
 * The most a service's bundle may weigh, in bytes: 1 MB, the edge target; the gateway's 3 MB, as
 * it serves Swagger UI's assets (about 1.9 MB) from its own bundle.
 */
export function sizeLimit(name: string): number {
  return name === "gateway" ? 3_200_000 : 1_000_000;
}

/**
 * Bundles service `name` into `<out>/<name>/main.js` (relative paths from the repository's root),
 * minified and without what `leftOut` names, and returns that path. Throws when `deno bundle` fails.
 */
export async function buildService(name: string, out = "dist"): Promise<string> {
  const file = `${out}/${name}/main.js`;
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "deno", "--minify"]
      .concat(leftOut(name).flatMap((specifier) => ["--external", specifier]))
      .concat("-o", file, `services/${name}/main.ts`),
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
    const { size } = await Deno.stat(file.startsWith("/") ? file : `${root}/${file}`);
    console.log(`${name}: ${file} (${(size / 1e6).toFixed(2)} MB)`);
  }
}
