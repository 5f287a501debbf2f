/**
 * What the dashboard's pages read from, handed to each page's factory (`<page>Page(sources)`):
 * the registry's declarations, the stack's addresses, and a NATS connection as the operator,
 * opened on first use (so a dashboard nobody opens never connects) and reused after.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { connectNats } from "../../shared/bus/mod.ts";
import { operatorName } from "../../shared/operator/mod.ts";
import type { Logger } from "../../shared/log/mod.ts";
import type { ServiceModule } from "../../shared/runtime/mod.ts";
import type { LogStore } from "./logs.ts";
import type { TraceStore } from "./traces.ts";

export interface DashboardSources {
  /** Spans the services export to the dev runner's OTLP receiver. */
  traces: TraceStore;
  /** Every line the stack's processes print. */
  logs: LogStore;
  /** The services as declared (services/registry.ts): names, ports, bus use. */
  registry: readonly ServiceModule[];
  /** The gateway's base URL, e.g. `http://localhost:8080`. */
  gatewayUrl: string;
  /** Each running instance's HTTP base URL (health, readiness, metrics), by service name. */
  instances: Record<string, string[]>;
  /** nats-server's monitoring base URL (`/jsz`); absent when NATS_URL names the server. */
  monitoringUrl?: string;
  /** The operator's NATS connection, connected on the first call; rejects when NATS is down. */
  nats: () => Promise<NatsConnection>;
  /** Where the operator kit logs what it does (the dashboard's own lines). */
  log: Logger;
  /** Who the audit records as acting when a page changes something (dead letters). */
  actor: string;
}

/**
 * A `nats` for `DashboardSources`: connects to `url` as the operator (its `seed`, or none on a
 * server without authorization; `caFile` to trust a tls:// server's certificate) on the first
 * call; a failed connect is retried on the next call. `close()` closes it if it was opened.
 */
export function operatorConnection(
  url: string,
  seed?: string,
  caFile?: string,
): { nats: () => Promise<NatsConnection>; close: () => Promise<void> } {
  let connection: Promise<NatsConnection> | undefined;
  const nats = () => {
    connection ??= connectNats(url, operatorName, seed, { caFile }).catch((error) => {
      connection = undefined;
      throw error;
    });
    return connection;
  };
  const close = async () => {
    const opened = await connection?.catch(() => undefined);
    await opened?.close();
  };
  return { nats, close };
}
