/**
 * Process-wide RED metrics in Prometheus form. One registry per process: in tests several
 * services share a process, so their series differ by the `service` label.
 */
import { Counter, Histogram, Registry } from "prom-client";

export const registry = new Registry();

export const rpcServerRequests = new Counter({
  name: "rpc_server_requests_total",
  help: "RPC requests handled, by endpoint and outcome (ok or an error kind).",
  labelNames: ["service", "endpoint", "outcome"],
  registers: [registry],
});

export const rpcServerDuration = new Histogram({
  name: "rpc_server_duration_seconds",
  help: "Time to answer an RPC request.",
  labelNames: ["service", "endpoint"],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});
