/**
 * `deno task bench [--quick] [--only rpc,saga] [--results <dir>] [--help]`: how fast the platform is and
 * what its distribution costs, in one run on one machine. Each suite prints a table; all of them
 * are written to bench/results/<time>.json (or the folder given) so runs can be compared.
 * Postgres comes from DATABASE_URL, or the local one at postgres://postgres@127.0.0.1:5432/test
 * when it answers.
 */
import { parseArgs } from "node:util";
import { coldStart } from "./cold_start.ts";
import { eventsThroughput } from "./events.ts";
import { gatewayThroughput } from "./gateway.ts";
import { rpcRoundTrips } from "./rpc.ts";
import { sagaThroughput } from "./saga.ts";
import { type BenchOptions, type SuiteResult, table } from "./report.ts";

const suites = {
  rpc: rpcRoundTrips,
  gateway: gatewayThroughput,
  events: eventsThroughput,
  saga: sagaThroughput,
  "cold-start": coldStart,
};
type SuiteName = keyof typeof suites;

const usage = `usage: deno task bench [--quick] [--only <suites>] [--results <dir>]

  --quick          shorter runs: enough to see every row, not to compare figures
  --only a,b       these suites only: ${Object.keys(suites).join(", ")}
  --results <dir>  where the run is kept as <time>.json (default bench/results)
  -h, --help       this text

  DATABASE_URL names the Postgres to measure (default: postgres://postgres@127.0.0.1:5432/test
  when it answers; without one the Postgres rows are left out)`;

const { values } = (() => {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        quick: { type: "boolean" },
        only: { type: "string" },
        results: { type: "string", default: "bench/results" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    // node:util's parseArgs throws on an unknown option or a stray argument.
    console.error(`bench: ${(error as Error).message}\n\n${usage}`);
    Deno.exit(2);
  }
})();
if (values.help) {
  console.log(usage);
  Deno.exit(0);
}
const chosen = (values.only?.split(",") ?? Object.keys(suites)) as SuiteName[];
const unknown = chosen.filter((name) => !(name in suites));
if (unknown.length) {
  console.error(
    `unknown suite ${unknown.join(", ")}; the suites: ${Object.keys(suites).join(", ")}`,
  );
  Deno.exit(2);
}
const options: BenchOptions = {
  quick: values.quick ?? false,
  databaseUrl: Deno.env.get("DATABASE_URL") ?? await localPostgres(),
  progress: (line) => {
    const text = `\r\x1b[2K… ${line}`;
    Deno.stderr.writeSync(new TextEncoder().encode(text));
  },
};

const started = performance.now();
const results: SuiteResult[] = [];
for (const name of chosen) {
  const result = await suites[name](options);
  Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[2K"));
  console.log(`${table(result)}\n`);
  results.push(result);
}

const machine = {
  cpus: navigator.hardwareConcurrency,
  memoryGb: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
  deno: Deno.version.deno,
  os: Deno.build.os,
};
const file = `${values.results}/${new Date().toISOString().replaceAll(":", "-")}.json`;
await Deno.mkdir(values.results, { recursive: true });
await Deno.writeTextFile(
  file,
  JSON.stringify(
    { at: new Date().toISOString(), quick: options.quick, suites: chosen, machine, results },
    null,
    2,
  ),
);
console.log(
  `${results.length} suites in ${((performance.now() - started) / 1000).toFixed(0)} s; ${file}`,
);

async function localPostgres(): Promise<string | undefined> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port: 5432 })).close();
    return "postgres://postgres@127.0.0.1:5432/test";
  } catch {
    return undefined;
  }
}
