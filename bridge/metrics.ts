/** The bridge's own metrics, served at its /metrics beside the kit's. */
import { Counter, Histogram } from "prom-client";
import { registers } from "../shared/telemetry/mod.ts";

/** RPC requests forwarded, by service and outcome: `ok`, `error` (a service error answered), `unavailable`. */
export const bridgeRpcRequests = new Counter({
  name: "bridge_rpc_requests_total",
  help: "RPC requests the bridge forwarded, by carried service and outcome",
  labelNames: ["service", "outcome"],
  registers,
});

/** Seconds from a forwarded RPC request's arrival to its answer, by service. */
export const bridgeRpcDuration = new Histogram({
  name: "bridge_rpc_duration_seconds",
  help: "Time from an RPC request's arrival at the bridge to its answer",
  labelNames: ["service"],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers,
});

/**
 * Event deliveries, by service, stream and outcome: `acked`, `retry` (nak'd with backoff),
 * `dead` (dead-lettered and terminated), `given_up_failed` (the given-up call failed; nak'd).
 */
export const bridgeEventDeliveries = new Counter({
  name: "bridge_event_deliveries_total",
  help: "Durable messages the bridge delivered over HTTP, by carried service, stream and outcome",
  labelNames: ["service", "stream", "outcome"],
  registers,
});

/** Ticks sent, by service and outcome (`ok`, `failed`). */
export const bridgeTicks = new Counter({
  name: "bridge_ticks_total",
  help: "Ticks the bridge sent, by carried service and outcome",
  labelNames: ["service", "outcome"],
  registers,
});
