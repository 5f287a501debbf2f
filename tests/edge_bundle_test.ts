/**
 * Every service deployable alone, on an edge runtime: each is bundled into one file and served
 * by `deno serve` from its `export default { fetch }`, as an edge runtime serves it, with
 * `--allow-net --allow-env` only (no file system, no subprocess, no FFI), over NATS's
 * WebSocket listener over TLS (`wss://`, trusting the test's CA through DENO_CERT, as an edge
 * runtime trusts what its runtime does) with authorization on, and Postgres, and the saga
 * completes through the bundles. Each bundle holds no PGlite, a service's no Prometheus client, and
 * each stays within its size limit; a service's bundle answers /metrics that it has none.
 */
import assert from "node:assert/strict";
import { buildService, sizeLimit } from "../infra/build.ts";
import { registry as services } from "../services/registry.ts";
import { placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { adminUrl, testDatabases } from "./harness/databases.ts";
import { freePort, startNatsServer } from "./harness/nats_server.ts";
import { stackReady } from "./harness/processes.ts";
import { generateSigningKey } from "../services/users/keys.ts";

if (!adminUrl) {
  console.log("edge bundles: skipped, set DATABASE_URL (an edge service needs Postgres)");
}

Deno.test({
  name: "edge: every bundled service runs with --allow-net --allow-env; the saga completes",
  ignore: !adminUrl,
  sanitizeResources: false,
  fn: async (t) => {
    const out = await Deno.makeTempDir({ prefix: "bundles-" });
    const nats = await startNatsServer({ tls: true });
    const databases = await testDatabases();
    const gatewayPort = freePort();
    const signingKey = JSON.stringify(await generateSigningKey());
    const children: Deno.ChildProcess[] = [];
    const ports: number[] = [];
    try {
      // The first alone: on a machine that never bundled, each `deno bundle` copies esbuild into
      // Deno's cache, and seven at once race on it ("failed to copy esbuild binary").
      const [first, ...rest] = services;
      const bundles = [
        await buildService(first.name, out),
        ...await Promise.all(rest.map((s) => buildService(s.name, out))),
      ];

      await t.step(
        "each bundle holds no PGlite (nor prom-client) and stays within its limit",
        async () => {
          for (const [i, { name }] of services.entries()) {
            const text = await Deno.readTextFile(bundles[i]);
            // PGlite's loader names its WebAssembly file; drizzle's PGlite driver its session.
            assert.doesNotMatch(text, /pglite\.wasm|PgliteSession/, `${name} carries PGlite`);
            // At the edge metrics go over OTLP; the gateway's HTTP metrics keep Prometheus's client.
            if (name !== "gateway") {
              assert.doesNotMatch(text, /getSingleMetricAsString/, `${name} carries prom-client`);
            }
            const size = new TextEncoder().encode(text).length;
            assert.ok(size <= sizeLimit(name), `${name}: ${size} bytes > ${sizeLimit(name)}`);
          }
        },
      );
      for (const [i, { name }] of services.entries()) {
        const port = name === "gateway" ? gatewayPort : freePort();
        ports.push(port);
        const child = new Deno.Command(Deno.execPath(), {
          args: ["serve", "--no-config", "--allow-net", "--allow-env", "--port", String(port)]
            .concat(bundles[i]),
          env: {
            NATS_URL: nats.wsUrl,
            // Read by Deno itself: the bundle gets no file access.
            DENO_CERT: nats.caFile!,
            // Its own NATS identity (the gateway also the operator's, for /admin).
            NATS_NKEY_SEED: nats.seed(name)!,
            ...(name === "gateway" ? { OPERATOR_NKEY_SEED: nats.seed("operator")! } : {}),
            DATABASE_URL: databases.url!,
            ...(name === "users" ? { TOKEN_SIGNING_KEY: signingKey } : {}),
            LOG_LEVEL: "warn",
          },
          clearEnv: true,
          stdout: "inherit",
          stderr: "inherit",
        }).spawn();
        children.push(child);
      }
      assert.match(nats.wsUrl, /^wss:\/\//);
      const base = `http://127.0.0.1:${gatewayPort}`;
      const gateway = { request: (path: string, init?: RequestInit) => fetch(base + path, init) };
      await stackReady(
        base,
        Object.fromEntries(services.map(({ name }, i) => [name, children[i]])),
      );

      const user = await signUp(gateway);
      const mug = await productBySku(gateway, "MUG-001");
      const res = await placeOrder(gateway, user, [{ productId: mug.id, quantity: 1 }]);
      assert.equal(res.status, 201);
      const order = await settledOrder(gateway, user, (await res.json()).orderId, 30_000);
      assert.equal(order.status, "confirmed");

      await t.step("a service's bundle says its metrics are not in Prometheus form", async () => {
        const orders = services.findIndex((s) => s.name === "orders");
        const res = await fetch(`http://127.0.0.1:${ports[orders]}/metrics`);
        assert.equal(res.status, 404);
        assert.match(await res.text(), /^no Prometheus metrics here: .*prom-client/);
      });

      await t.step("a bundle without DATABASE_URL exits saying so", async () => {
        const users = services.findIndex((s) => s.name === "users");
        const run = await new Deno.Command(Deno.execPath(), {
          args: ["run", "--no-config", "--allow-net", "--allow-env", bundles[users]],
          env: {
            NATS_URL: nats.wsUrl,
            DENO_CERT: nats.caFile!,
            NATS_NKEY_SEED: nats.seed("users")!,
            TOKEN_SIGNING_KEY: signingKey,
            NO_COLOR: "1",
          },
          clearEnv: true,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const printed = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
        assert.equal(run.code, 1, printed);
        assert.match(printed, /DATABASE_URL is not set/);
        assert.doesNotMatch(printed, /Requires (read|write) access/);
      });
    } finally {
      for (const child of children) {
        try {
          child.kill("SIGTERM");
        } catch {
          // already gone
        }
      }
      await Promise.all(children.map((child) => child.status));
      await databases.close();
      await nats.dispose();
      await Deno.remove(out, { recursive: true }).catch(() => {});
    }
  },
});
