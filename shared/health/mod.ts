/**
 * Liveness, readiness and metrics over HTTP: what an orchestrator or a load balancer asks a
 * service. Liveness only says the process runs; readiness says its dependencies answer.
 */
import { Hono } from "hono";
import type { NatsConnection } from "@nats-io/nats-core";
import { rpcClient, withTimeout } from "../bus/mod.ts";
import { operationsApi } from "../contracts/mod.ts";
import { prometheusMissing, registry } from "../telemetry/mod.ts";
import { errorSummary } from "../errors/mod.ts";

/** A dependency check: resolves when the dependency answers, rejects saying why not. */
export type ReadinessCheck = () => Promise<void>;

/** Whether every check passed, and each check's result: `ok`, or the message of why not. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, "ok" | string>;
}

/**
 * Runs every check at once, each given `timeoutMs` (default 1000) before it counts as failed ("no
 * answer in time"). Never rejects: the report says what failed.
 */
export async function checkReadiness(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = 1000,
): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const results = await Promise.allSettled(
    names.map((name) => withTimeout(checks[name](), timeoutMs, "no answer in time")),
  );
  const report: ReadinessReport = { ready: true, checks: {} };
  results.forEach((result, i) => {
    if (result.status === "fulfilled") report.checks[names[i]] = "ok";
    else {
      report.ready = false;
      const reason = result.reason;
      report.checks[names[i]] = errorSummary(reason).message;
    }
  });
  return report;
}

/**
 * Resolves when an instance of `service` answers its `ops.<service>.ready` and says it is ready
 * (NATS, its database and every durable consumer); rejects naming what is not, e.g.
 * `not ready: consumer ORDERS: cannot fetch: consumer deleted`. The gateway's /ready asks this.
 */
export async function serviceReady(
  nc: NatsConnection,
  service: string,
  timeoutMs = 800,
): Promise<void> {
  const report = await rpcClient(nc, operationsApi(service), { timeoutMs }).ready({}).catch(() => {
    throw new Error(`${service} does not answer`);
  });
  if (report.ready) return;
  const failing = Object.entries(report.checks).filter(([, result]) => result !== "ok");
  throw new Error(`not ready: ${failing.map(([name, why]) => `${name}: ${why}`).join("; ")}`);
}

/** The probe routes: `/health`, `/ready` (503 when a check fails, naming it) and `/metrics`. */
export function probeRoutes(checks: Record<string, ReadinessCheck>): Hono {
  const app = new Hono();
  app.get("/health", (c) => c.json({ status: "ok" }));
  app.get("/ready", async (c) => {
    const report = await checkReadiness(checks);
    return c.json(
      { status: report.ready ? "ready" : "unavailable", checks: report.checks },
      report.ready ? 200 : 503,
    );
  });
  app.get("/metrics", async (c) => {
    // A build without Prometheus's client (a service's bundle) exports its metrics over OTLP.
    if (!registry) return c.text(`no Prometheus metrics here: ${prometheusMissing}`, 404);
    c.header("content-type", registry.contentType);
    return c.body(await registry.metrics());
  });
  return app;
}
