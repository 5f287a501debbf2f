/**
 * Every service deployable alone, on an edge runtime: each is bundled into one file and run
 * with `--allow-net --allow-env` only (no file system, no subprocess, no FFI), over NATS's
 * WebSocket listener and Postgres, and the saga completes through the bundles.
 */
import assert from "node:assert/strict";
import { buildService } from "../infra/build.ts";
import { services } from "../infra/services.ts";
import { placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { adminUrl, testDatabases } from "./harness/databases.ts";
import { freePort, startNatsServer } from "./harness/nats_server.ts";
import { stackReady } from "./harness/processes.ts";
import { jwtSecret } from "./harness/stack.ts";

if (!adminUrl) {
  console.log("edge bundles: skipped, set DATABASE_URL (an edge service needs Postgres)");
}

Deno.test({
  name: "edge: every bundled service runs with --allow-net --allow-env; the saga completes",
  ignore: !adminUrl,
  sanitizeResources: false,
  fn: async () => {
    const out = await Deno.makeTempDir({ prefix: "bundles-" });
    const nats = await startNatsServer();
    const databases = await testDatabases();
    const gatewayPort = freePort();
    const children: Deno.ChildProcess[] = [];
    try {
      // The first alone: on a machine that never bundled, each `deno bundle` copies esbuild into
      // Deno's cache, and seven at once race on it ("failed to copy esbuild binary").
      const [first, ...rest] = services;
      const bundles = [
        await buildService(first.name, out),
        ...await Promise.all(rest.map((s) => buildService(s.name, out))),
      ];
      for (const [i, { name }] of services.entries()) {
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "--no-config", "--allow-net", "--allow-env", bundles[i]],
          env: {
            NATS_URL: nats.wsUrl,
            DATABASE_URL: databases.url!,
            JWT_SECRET: jwtSecret,
            LOG_LEVEL: "warn",
            ...(name === "gateway" ? { HTTP_PORT: String(gatewayPort) } : {}),
          },
          clearEnv: true,
          stdout: "inherit",
          stderr: "inherit",
        }).spawn();
        children.push(child);
      }
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
