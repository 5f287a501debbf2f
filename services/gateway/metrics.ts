import { prometheus } from "@hono/prometheus";
import { registry } from "../../shared/telemetry/mod.ts";

/** Requests by method, route and status, and a latency histogram, in the process registry. */
export const httpMetrics = prometheus({ registry });
