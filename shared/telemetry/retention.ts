/** What the retention purges delete, for operators: a counter per service and table. */
import { metrics } from "@opentelemetry/api";
import { registry } from "./metrics.ts";
import { prometheus } from "./prometheus.ts";

const name = "retention_purged_rows_total";
const help = "Rows deleted by retention purges, by table (outbox, inbox, idempotency_keys, ...).";
const prom = prometheus && registry &&
  new prometheus.Counter({ name, help, labelNames: ["service", "table"], registers: [registry] });
const otel = metrics.getMeter("platform").createCounter(name, { description: help });

/** `retention_purged_rows_total{service, table}`: adds `rows` deleted by one purge. */
export const retentionPurgedRows = {
  add: (labels: { service: string; table: string }, rows: number) => {
    prom?.inc(labels, rows);
    otel.add(rows, labels);
  },
};
