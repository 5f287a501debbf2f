/**
 * Process-wide RED metrics in Prometheus form. One registry per process: in tests several
 * services share a process, so their series differ by the `service` label.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { BreakerRegistry, BreakerState } from "../resilience/mod.ts";

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

const breakerRegistries = new Set<{ service: string; breakers: BreakerRegistry }>();
const stateCode: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export const circuitBreakerState = new Gauge({
  name: "circuit_breaker_state",
  help: "State of the breaker before each downstream service: 0 closed, 1 half-open, 2 open.",
  labelNames: ["service", "downstream"],
  registers: [registry],
  collect() {
    this.reset();
    for (const { service, breakers } of breakerRegistries) {
      for (const breaker of breakers.all()) {
        this.set({ service, downstream: breaker.name }, stateCode[breaker.state]);
      }
    }
  },
});

/** Reports a service's breakers in /metrics. */
export function reportBreakers(service: string, breakers: BreakerRegistry) {
  breakerRegistries.add({ service, breakers });
}
