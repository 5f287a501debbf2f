/**
 * One trace per order: a small OTLP receiver in this process, every service a process of its
 * own exporting to it with Deno's built-in OpenTelemetry, one order placed through the
 * gateway's HTTP port. One trace id must cover spans of the gateway, orders, payments, catalog
 * and notifications, linked across a request-reply hop and a JetStream hop, every span's parent
 * in it (one tree, as the dashboard's waterfall draws it); the gateway's answer names that trace
 * in X-Trace-Id. The receiver is the dev dashboard's (its TraceStore), read as its pages read it.
 */
import assert from "node:assert/strict";
import { registry as services } from "../services/registry.ts";
import { placeOrder, productBySku, settledOrder, signUp } from "./harness/clients.ts";
import { adminUrl, testDatabases } from "./harness/databases.ts";
import { migrationsOf } from "./harness/migrations.ts";
import { seedPgliteDataDirs } from "./harness/pglite_template.ts";
import { freePort, startNatsServer } from "./harness/nats_server.ts";
import { stackReady } from "./harness/processes.ts";
import { generateSigningKey } from "../services/users/keys.ts";
import { exportingTo, otlpReceiver, spanKind as kind } from "./harness/otlp_receiver.ts";
import type { SpanKindName } from "../infra/dashboard/traces.ts";

Deno.test({
  name: "tracing: one trace covers the order across HTTP, request-reply and JetStream",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const receiverPort = freePort();
    const receiver = otlpReceiver(receiverPort);
    const nats = await startNatsServer();
    const databases = adminUrl ? await testDatabases() : null;
    const dataDir = await Deno.makeTempDir({ prefix: "tracing-" });
    // On PGlite, each service's a copy of a fresh cluster: no initdb six times over.
    if (!databases) await seedPgliteDataDirs(dataDir, Object.keys(migrationsOf));
    const gatewayPort = freePort();
    const signingKey = JSON.stringify(await generateSigningKey());
    const children = services.map(({ name }) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", `services/${name}/main.ts`],
        env: {
          ...exportingTo(receiverPort, name),
          NATS_URL: nats.url,
          DATA_DIR: dataDir,
          // Its own NATS identity (the gateway also the operator's, for /admin).
          NATS_NKEY_SEED: nats.seed(name)!,
          ...(name === "gateway" ? { OPERATOR_NKEY_SEED: nats.seed("operator")! } : {}),
          ...(name === "users" ? { TOKEN_SIGNING_KEY: signingKey } : {}),
          LOG_LEVEL: name === "orders" ? "info" : "error",
          ...(databases ? { DATABASE_URL: databases.url! } : {}),
          ...(name === "gateway" ? { HTTP_PORT: String(gatewayPort) } : {}),
        },
        // Others print only errors (LOG_LEVEL): a service that dies at start says why.
        stdout: name === "orders" ? "piped" : "inherit",
        stderr: "inherit",
      }).spawn()
    );
    const ordersLog = new Response(children[services.findIndex((s) => s.name === "orders")].stdout)
      .text();
    try {
      const gateway = {
        request: (path: string, init?: RequestInit) =>
          fetch(`http://127.0.0.1:${gatewayPort}${path}`, init),
      };
      await stackReady(
        `http://127.0.0.1:${gatewayPort}`,
        Object.fromEntries(services.map(({ name }, i) => [name, children[i]])),
        90_000,
      );
      const user = await signUp(gateway);
      const mug = await productBySku(gateway, "MUG-001");
      // Ready as /ready says includes the token keys: the first order is not answered 503.
      const placed = await placeOrder(gateway, user, [{ productId: mug.id, quantity: 1 }]);
      assert.equal(placed.status, 201, await placed.clone().text());
      const orderId = (await placed.json()).orderId;
      assert.equal((await settledOrder(gateway, user, orderId)).status, "confirmed");
      // Give notifications its moment, then stop everyone: exporters flush on the way out.
      await new Promise((r) => setTimeout(r, 500));
      for (const child of children) child.kill("SIGTERM");
      await Promise.all(children.map((child) => child.status));

      // The trace the answer names: the one a user opens from X-Trace-Id.
      const traceId = placed.headers.get("x-trace-id") ?? "";
      assert.match(traceId, /^[0-9a-f]{32}$/, "the answer names its trace");
      const placedTrace = receiver.store.summary(traceId);
      assert.ok(placedTrace, `${traceId} not among the ${receiver.store.size} traces received`);
      assert.deepEqual([placedTrace.rootService, placedTrace.rootName], [
        "gateway",
        "POST /orders",
      ]);
      const trace = receiver.store.trace(placedTrace.traceId)!;
      const placeSpan = trace.find((s) => s.name === "POST /orders")!;
      assert.equal(placeSpan.kind, kind.server);
      assert.equal(placeSpan.parentSpanId, undefined, "the gateway's server span is the root");
      const byId = new Map(trace.map((s) => [s.spanId, s]));
      const servicesInTrace = new Set(trace.map((s) => s.service));
      for (const name of ["gateway", "orders", "payments", "catalog", "notifications"]) {
        assert.ok(
          servicesInTrace.has(name),
          `${name} missing from the trace: ${[...servicesInTrace]}`,
        );
      }
      const crossing = (child: SpanKindName, parent: SpanKindName) =>
        trace.some((s) => {
          const p = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
          return s.kind === child && p?.kind === parent && p.service !== s.service;
        });
      assert.ok(crossing(kind.server, kind.client), "a request-reply hop links two services");
      assert.ok(crossing(kind.consumer, kind.producer), "a JetStream hop links two services");
      const orphans = trace.filter((s) => s !== placeSpan && !byId.has(s.parentSpanId!));
      assert.deepEqual(
        orphans.map((s) => `${s.service}: ${s.name}`),
        [],
        "every span's parent is in the trace",
      );

      const lines = (await ordersLog).trim().split("\n").map((line) => JSON.parse(line));
      const confirmed = lines.find((line) => line.msg === "order confirmed");
      assert.ok(confirmed, "orders logged the confirmation");
      assert.equal(confirmed.traceId, placeSpan.traceId, "the log line is in the order's trace");
      assert.ok(confirmed.spanId && confirmed.correlationId);
      assert.equal(confirmed.orderId, orderId);
    } finally {
      for (const child of children) {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
      await receiver.shutdown();
      await databases?.close();
      await nats.dispose();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
