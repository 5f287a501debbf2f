/**
 * The benchmark runs, in its quick mode: every suite that has a baseline reports both sides,
 * request-reply and the saga with NATS secured (NKeys, NKeys + TLS) beside the rows without,
 * request-reply across two processes beside the Moleculer peer (installed by the run if missing),
 * the saga confirms every order it places (through the services and in the monolith), every
 * service's bundle is measured within its size limit, and the run is kept as JSON. Timings are not
 * judged here: speed goals belong to the benchmark.
 */
import assert from "node:assert/strict";
import { sizeLimit } from "../infra/build.ts";
import { serviceNames } from "../services/registry.ts";
import { edgeSagaRowName, edgeSagaServices } from "./edge_saga.ts";
import { peerRowNames } from "./peer_rpc.ts";
import { clusterReplicaRows, clusterRowLabel } from "./saga.ts";
import { percentile, table } from "./report.ts";

interface Results {
  quick: boolean;
  suites: string[];
  results: { suite: string; rows: Record<string, string | number>[] }[];
}

async function postgresAnswers(): Promise<boolean> {
  if (Deno.env.get("DATABASE_URL")) return true;
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port: 5432 })).close();
    return true;
  } catch {
    return false;
  }
}

// The quick run measures Postgres rows whichever pass runs it: the suite's Postgres pass runs it,
// once, and `deno task test` (embedded PGlite) leaves its 70-80 s out.
const quickRunPass = Boolean(Deno.env.get("DATABASE_URL"));
if (!quickRunPass) {
  console.log("bench quick run: skipped, it runs in the Postgres pass (DATABASE_URL)");
}

Deno.test({
  name: "bench: a quick run of rpc, events, the saga and cold starts reports every row",
  ignore: !quickRunPass,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench-" });
  const suites = "rpc,events,saga,cold-start";
  try {
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "bench/main.ts", "--quick", "--only", suites, "--results", dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const printed = new TextDecoder().decode(run.stdout);
    // Its progress lines go to stderr: the last of them say where a failed run stopped.
    const progress = new TextDecoder().decode(run.stderr).split("\n").slice(-30).join("\n");
    assert.ok(run.success, `the bench failed:\n${printed}\n${progress}`);
    const [file] = [...Deno.readDirSync(dir)].map((entry) => `${dir}/${entry.name}`);
    const kept: Results = JSON.parse(await Deno.readTextFile(file));
    assert.equal(kept.quick, true);
    assert.deepEqual(kept.suites, suites.split(","));
    const [rpc, events, saga, coldStart] = kept.results;
    for (const { suite } of kept.results) assert.ok(printed.includes(`### ${suite}`), suite);

    assert.deepEqual(rpc.rows.map((r) => r.name), [
      "1 in flight",
      "64 in flight",
      "256 in flight",
      // Beside them, NATS secured: NKey identities, then NKeys over TLS.
      "1 in flight, NKeys",
      "64 in flight, NKeys",
      "1 in flight, NKeys + TLS",
      "64 in flight, NKeys + TLS",
      // The server in a process of its own, beside the Moleculer peer's two Node processes.
      ...peerRowNames,
    ]);
    for (const row of rpc.rows) {
      const [raw, platform] = [Number(row["raw req/s"]), Number(row["platform req/s"])];
      assert.ok(raw > 0 && platform > 0, JSON.stringify(row));
      assert.ok(Math.abs(Number(row["throughput ratio"]) - platform / raw) < 1e-9);
    }
    for (const row of rpc.rows.slice(-peerRowNames.length)) {
      // A number, not the reason the peer is missing (bench/peer's npm ci, Node).
      assert.equal(typeof row["Moleculer req/s"], "number", JSON.stringify(row));
      const [moleculer, platform] = [Number(row["Moleculer req/s"]), Number(row["platform req/s"])];
      assert.ok(moleculer > 0 && Number(row["Moleculer p99 ms"]) > 0, JSON.stringify(row));
      for (const side of ["platform", "raw", "Moleculer"]) {
        assert.ok(Number(row[`${side} CPU µs/call`]) > 0, `${side}: ${JSON.stringify(row)}`);
      }
      assert.ok(Math.abs(Number(row["platform ÷ Moleculer"]) - platform / moleculer) < 1e-9);
    }

    const withPostgres = await postgresAnswers();
    const names = (rows: Record<string, unknown>[]) => rows.map((r) => r.name);
    assert.deepEqual(names(events.rows), [
      "raw JetStream",
      ...(withPostgres ? ["outbox + inbox (postgres)"] : []),
      "outbox + inbox (pglite)",
    ]);
    for (const row of events.rows) assert.ok(Number(row["events/s"]) > 0, JSON.stringify(row));

    assert.deepEqual(names(saga.rows), [
      ...(withPostgres
        ? [
          "distributed (postgres)",
          "distributed (postgres, NKeys)",
          "distributed (postgres, NKeys + TLS)",
          edgeSagaRowName,
          ...clusterReplicaRows.map((n) => `distributed (postgres, ${clusterRowLabel(n)})`),
          "monolith (postgres)",
        ]
        : []),
      "distributed (pglite)",
      "monolith (pglite)",
    ]);
    for (const row of saga.rows) {
      // Each row waits for every order placed to be confirmed: a rate means they all were.
      assert.ok(Number(row["confirmed/s"]) > 0, JSON.stringify(row));
      assert.ok(Number(row["p50 ms"]) > 0 && Number(row["p99 ms"]) >= Number(row["p50 ms"]));
    }
    // The edge row also says what sleeping costs: the order that woke the services, and the starts.
    for (const row of saga.rows.filter((r) => r.name === edgeSagaRowName)) {
      assert.ok(Number(row["cold order ms"]) > 0, JSON.stringify(row));
      assert.ok(Number(row["cold starts"]) >= edgeSagaServices.length, JSON.stringify(row));
      assert.ok(Number(row["cold start ms (p50)"]) > 0, JSON.stringify(row));
    }

    // Without Postgres an edge bundle cannot start: the suite says so and has no rows.
    assert.deepEqual(
      names(coldStart.rows),
      withPostgres ? [...serviceNames, "floor: deno answering /health"] : [],
    );
    for (const row of coldStart.rows.slice(0, -1)) {
      assert.ok(Number(row["bundle MB"]) * 1e6 <= sizeLimit(String(row.name)), JSON.stringify(row));
      assert.ok(Number(row["cold start ms (p50)"]) > 0, JSON.stringify(row));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench: percentiles and the table a suite prints", () => {
  const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(values, 0), 1);
  assert.equal(percentile(values, 50), 6);
  assert.equal(percentile(values, 99), 10);
  assert.equal(percentile(values, 100), 10);
  const printed = table({
    suite: "A suite",
    rows: [{ name: "one", "req/s": 1234.567, ratio: 0.8765 }, { name: "two", "req/s": 12 }],
    notes: ["A note."],
  });
  assert.equal(
    printed,
    [
      "### A suite",
      "",
      "| name |  req/s | ratio |",
      "|------|-------:|------:|",
      "| one  | 1234.6 |  0.88 |",
      "| two  |     12 |       |",
      "",
      "A note.",
    ].join("\n"),
  );
});
