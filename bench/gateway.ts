/**
 * GET /products/:id through the gateway (typed client, validation, JWT check for the rate
 * limit, breaker, problem mapping) against a bare Hono app doing the same single NATS request.
 * Each server is its own process; the load comes from autocannon, in a third.
 */
import { importJWK, SignJWT } from "jose";
import { generateSigningKey } from "../services/users/keys.ts";
import { freePort, startNatsServer } from "../tests/harness/nats_server.ts";
import { freshDatabase } from "./databases.ts";
import { type BenchOptions, type Row, type SuiteResult } from "./report.ts";

export async function gatewayThroughput(options: BenchOptions): Promise<SuiteResult> {
  const nats = await startNatsServer({ authorization: false });
  const database = options.databaseUrl ? await freshDatabase(options.databaseUrl) : null;
  const dataDir = await Deno.makeTempDir({ prefix: "bench-gateway-" });
  const base = { NATS_URL: nats.url, LOG_LEVEL: "error", DATA_DIR: dataDir };
  const signingKey = await generateSigningKey();
  const processes: Deno.ChildProcess[] = [];
  const start = (args: string[], env: Record<string, string>) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", ...args],
      env: { ...base, ...env },
      stdout: "null",
      stderr: "null",
    }).spawn();
    processes.push(child);
  };
  const rows: Row[] = [];
  let sink: Deno.HttpServer | null = null;
  try {
    options.progress("gateway: starting catalog, the gateway and the bare baseline");
    start(["services/catalog/main.ts"], database ? { DATABASE_URL: database.url } : {});
    // Users publishes the public key the gateway checks the token with.
    start(["services/users/main.ts"], {
      TOKEN_SIGNING_KEY: JSON.stringify(signingKey),
      ...(database ? { DATABASE_URL: database.url } : {}),
    });
    const gatewayPort = freePort();
    start(["services/gateway/main.ts"], {
      HTTP_PORT: String(gatewayPort),
      RATE_LIMIT_BURST: "1000000000",
      RATE_LIMIT_PER_SECOND: "1000000000",
    });
    // The same gateway with tracing on, exporting every span to a sink in this process.
    const sinkPort = freePort();
    sink = Deno.serve({ port: sinkPort, hostname: "127.0.0.1", onListen: () => {} }, async (r) => {
      await r.arrayBuffer();
      return new Response("{}");
    });
    const tracedPort = freePort();
    start(["services/gateway/main.ts"], {
      HTTP_PORT: String(tracedPort),
      RATE_LIMIT_BURST: "1000000000",
      RATE_LIMIT_PER_SECOND: "1000000000",
      OTEL_DENO: "true",
      OTEL_SERVICE_NAME: "gateway",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    });
    const barePort = freePort();
    start(["bench/bare_gateway.ts"], { HTTP_PORT: String(barePort) });
    const productId = await firstProduct(gatewayPort);
    const token = await new SignJWT({ email: "bench@example.com", role: "user" })
      .setProtectedHeader({ alg: "EdDSA", kid: signingKey.kid })
      .setSubject(crypto.randomUUID()).setIssuer("users").setAudience("gateway")
      .setIssuedAt().setExpirationTime("1h")
      .sign(await importJWK(signingKey, "EdDSA"));
    const seconds = options.quick ? 1 : 10;
    for (const connections of [1, 64]) {
      options.progress(`gateway: bare Hono + NATS, ${connections} connections, ${seconds} s`);
      const bare = await load(
        `http://127.0.0.1:${barePort}/products/${productId}`,
        connections,
        seconds,
      );
      options.progress(`gateway: the gateway, ${connections} connections, ${seconds} s`);
      const gateway = await load(
        `http://127.0.0.1:${gatewayPort}/products/${productId}`,
        connections,
        seconds,
        { authorization: `Bearer ${token}` },
      );
      options.progress(`gateway: the gateway with tracing on, ${connections} connections`);
      const traced = await load(
        `http://127.0.0.1:${tracedPort}/products/${productId}`,
        connections,
        seconds,
        { authorization: `Bearer ${token}` },
      );
      rows.push({
        name: `${connections} connection(s)`,
        "bare req/s": bare.perSecond,
        "gateway req/s": gateway.perSecond,
        "ratio": gateway.perSecond / bare.perSecond,
        "bare p50 ms": bare.p50,
        "gateway p50 ms": gateway.p50,
        "bare p99 ms": bare.p99,
        "gateway p99 ms": gateway.p99,
        "traced req/s": traced.perSecond,
        "traced ratio": traced.perSecond / bare.perSecond,
        "traced p99 ms": traced.p99,
        "non-2xx": gateway.errors + traced.errors,
      });
    }
  } finally {
    for (const child of processes) {
      child.kill("SIGTERM");
      await child.status;
    }
    await sink?.shutdown();
    await nats.dispose();
    await database?.drop();
    await Deno.remove(dataDir, { recursive: true });
  }
  return {
    suite: "Gateway: GET /products/:id vs a bare Hono app making the same NATS request",
    rows,
    notes: [
      "Target: gateway at least 60% of the bare baseline (ratio >= 0.6). 'traced': the same" +
      " gateway with OTEL_DENO=true, every span exported over OTLP to a sink. Catalog on " +
      (database ? "Postgres." : "PGlite."),
    ],
  };
}

async function firstProduct(port: number): Promise<string> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/products`);
      if (res.ok) return (await res.json()).items[0].id;
      await res.body?.cancel();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the gateway did not answer within 60 s");
}

/** autocannon in a process of its own, its JSON report read back. */
async function load(url: string, connections: number, seconds: number, headers = {}) {
  const args = [
    "run",
    "--allow-all",
    "npm:autocannon@8.0.0",
    "-j",
    "-c",
    String(connections),
    "-d",
    String(seconds),
  ];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}=${value}`);
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...args, url],
    stdout: "piped",
    stderr: "null",
  })
    .output();
  const report = JSON.parse(new TextDecoder().decode(output.stdout));
  return {
    perSecond: report.requests.average as number,
    p50: report.latency.p50 as number,
    p99: report.latency.p99 as number,
    errors: (report.non2xx as number) + (report.errors as number),
  };
}
