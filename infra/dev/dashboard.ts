/**
 * The dashboard inside `deno task dev` (infra/dashboard/): its stores, made before the first
 * process starts so every line is kept, and its server on its own port, which also receives the
 * services' traces (OTLP/HTTP JSON on /v1/traces). It connects to NATS as the operator only when
 * a page asks, and asks the services nothing while no page is open.
 */
import { createLogger } from "../../shared/log/mod.ts";
import type { ServiceModule } from "../../shared/runtime/mod.ts";
import { dashboardApp, type PageFactories } from "../dashboard/app.ts";
import { LogStore } from "../dashboard/logs.ts";
import { otlpReceiver } from "../dashboard/otlp_receiver.ts";
import { eventsPage } from "../dashboard/pages/events.ts";
import { flowPage } from "../dashboard/pages/flow.ts";
import { ordersPage } from "../dashboard/pages/orders.ts";
import { logsPage } from "../dashboard/pages/logs.ts";
import { servicesPage } from "../dashboard/pages/services.ts";
import { tracesPage } from "../dashboard/pages/traces.ts";
import { operatorConnection } from "../dashboard/sources.ts";
import { TraceStore } from "../dashboard/traces.ts";
import type { DevStack } from "./stack_file.ts";
import type { DevTracing } from "./tracing.ts";

/** The dashboard's default port; DEV_PORT_OFFSET shifts it, DEV_DASHBOARD_PORT replaces it. */
export const dashboardDevPort = 8090;

const pages: PageFactories = {
  services: servicesPage,
  flow: flowPage,
  orders: ordersPage,
  traces: tracesPage,
  events: eventsPage,
  logs: logsPage,
};

/** What the dashboard needs to know of the stack once its addresses are chosen. */
export interface DashboardStack {
  port: number;
  services: readonly ServiceModule[];
  /** The addresses the runner chose (and wrote to dev.json). */
  stack: DevStack;
  /** The operator's NKey seed; none on a server without authorization. */
  operatorSeed?: string;
  /** Tracing's setting: `forwardTo`, the user's collector, gets every trace export too. */
  tracing: Pick<DevTracing, "forwardTo" | "forwardSignals">;
  /** Where the dashboard's own lines go (the runner prints them behind its name). */
  say: (line: string) => void;
}

/** The stores, made first; `serve` starts the server once the stack's addresses are known. */
export class DevDashboard {
  readonly traces = new TraceStore();
  readonly logs = new LogStore();
  #server?: Deno.HttpServer;
  #closeNats?: () => Promise<void>;

  /** Listens on 127.0.0.1:`stack.port`; false, said, when the port cannot be had. */
  serve(stack: DashboardStack): boolean {
    // A server named by NATS_URL may take TLS only: trust what the services are told to.
    const caFile = Deno.env.get("NATS_CA_FILE") || undefined;
    const { nats, close } = operatorConnection(stack.stack.natsUrl, stack.operatorSeed, caFile);
    this.#closeNats = close;
    const log = createLogger({
      service: "dashboard",
      write: (line) => {
        stack.say(line);
        this.logs.append("dashboard", line);
      },
    });
    const app = dashboardApp({
      traces: this.traces,
      logs: this.logs,
      registry: stack.services,
      gatewayUrl: stack.stack.gatewayUrl,
      instances: stack.stack.instances ?? {},
      monitoringUrl: stack.stack.monitoringUrl,
      nats,
      log,
      actor: `dashboard (${Deno.env.get("USER") ?? "dev"})`,
    }, pages);
    let forwardFailed = false;
    app.route(
      "/",
      otlpReceiver(this.traces, {
        forwardTo: stack.tracing.forwardTo,
        forwardSignals: stack.tracing.forwardSignals,
        onForwardError: (error) => {
          // Once: a collector that is down would otherwise say so on every export.
          if (!forwardFailed) stack.say(`forwarding traces failed: ${(error as Error).message}`);
          forwardFailed = true;
        },
      }),
    );
    try {
      const options = { hostname: "127.0.0.1", port: stack.port, onListen: () => {} };
      this.#server = Deno.serve(options, app.fetch);
      return true;
    } catch (error) {
      stack.say(`the dashboard cannot listen on ${stack.port}: ${(error as Error).message}`);
      return false;
    }
  }

  /** Stops serving and closes the operator's NATS connection, if it was opened. */
  async stop(): Promise<void> {
    await this.#closeNats?.();
    await this.#server?.shutdown();
  }
}
