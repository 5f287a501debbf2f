/**
 * The bridge transport (TRANSPORT=bridge): a service that may sleep between requests (Deno Deploy)
 * subscribes to nothing on NATS; the bridge beside NATS delivers its RPC requests, its durable
 * consumers' messages and a periodic tick as signed HTTP requests to `/_bridge/*` (protocol:
 * shared/bridge/), and this answers them with the service's own endpoints, dispatchers and
 * periodic work. Every `/_bridge/*` request is verified first; one that is not the bridge's is
 * refused (401) and runs nothing.
 */
import {
  bridgeHeaders,
  bridgePathPrefix,
  decodeNatsHeaders,
  unauthenticatedKind,
  verifyBridgeRequest,
} from "../bridge/mod.ts";
import type { Route, ServeOptions } from "../bus/rpc_server.ts";
import { errorText } from "../errors/mod.ts";
import type { Dispatcher } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { OutboxRelay } from "../outbox/mod.ts";
import { answerRpcOverHttp } from "./bridge_rpc.ts";
import { deliverOverHttp, giveUpOverHttp } from "./bridge_events.ts";
import { problem } from "./bridge_problem.ts";
import type { DueRunReport, PeriodicOnDemand } from "./periodic.ts";
import { type CronScheduler, scheduleOnCron } from "./runtime_cron.ts";

export { importBridgePublicKey } from "../bridge/mod.ts";

/** What the bridge's requests reach in the service. */
export interface BridgeTransportOptions {
  /** The service's name: the `aud` its tokens must carry. */
  service: string;
  /** The bridge's public key (BRIDGE_PUBLIC_KEY, imported). */
  publicKey: CryptoKey;
  /** Its RPC endpoints and the operator's, by method (`rpcRoutes`), as `serveRpc` serves them. */
  routes: Map<string, Route>;
  /** How its RPC requests are answered (version, logger, default budget), as on NATS. */
  serve: ServeOptions;
  /** A dispatcher per stream it reacts to, by stream name: its consumers' own. */
  dispatchers: Map<string, Dispatcher>;
  /** Its periodic work, run on each tick when due. */
  periodic: PeriodicOnDemand;
  /** Its outbox relay: a tick publishes the rows left behind (a crash, a sleeping isolate). */
  relay?: OutboxRelay;
  log: Logger;
  /** The runtime's cron (default `Deno.cron` when it exists; null: none), to tick on its own. */
  cron?: CronScheduler | null;
}

/** What a tick did: the outbox sweep's outcome and each periodic work's. */
export interface TickReport {
  outbox: "swept" | "none" | string;
  works: DueRunReport;
}

/** The bridge transport of one service instance. */
export interface BridgeTransport {
  /** Answers `/_bridge/*` (verified first); any other path goes to `next`. */
  fetch(request: Request, next: () => Response | Promise<Response>): Response | Promise<Response>;
  /** Sweeps the outbox and runs the periodic work that is due; never rejects. */
  tick(): Promise<TickReport>;
  /** Unregisters the cron, waits for the periodic runs in flight. */
  stop(): Promise<void>;
}

/** The body a bridge request may carry at most: 8 MiB, well over NATS's 1 MiB max_payload. */
const maxBodyBytes = 8 * 1024 * 1024;

/**
 * The bridge transport for one service: its routes (`POST /_bridge/rpc/<method>` — the method's
 * name, or its full subject such as `ops.orders.ready` —, `/_bridge/events/<stream>`,
 * `/_bridge/given-up/<stream>`, `/_bridge/tick`), and the same tick on the runtime's cron when it
 * has one.
 */
export function bridgeTransport(options: BridgeTransportOptions): BridgeTransport {
  const { service, publicKey, log } = options;
  const bySubject = new Map([...options.routes.values()].map((r) => [r.endpoint.subject, r]));
  const streams = { service, dispatchers: options.dispatchers, log };

  async function tick(): Promise<TickReport> {
    let outbox = "none";
    if (options.relay) {
      outbox = await options.relay.flush().then(() => "swept", (error) => {
        log.warn("the tick's outbox sweep failed; the next tick retries", { error });
        return `failed: ${errorText(error)}`;
      });
    }
    return { outbox, works: await options.periodic.runDue() };
  }

  const unschedule = options.cron === null ? undefined : scheduleOnCron(
    `${service} periodic work`,
    async () => void await tick(),
    log,
    ...(options.cron ? [options.cron] : []),
  );

  async function serve(request: Request, path: string): Promise<Response> {
    if (request.headers.get(bridgeHeaders.authorization) === null) return refused("missing");
    const declared = Number(request.headers.get("content-length") ?? 0);
    if (declared > maxBodyBytes) return problem(413, "invalid", "the body is too large");
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.length > maxBodyBytes) return problem(413, "invalid", "the body is too large");
    try {
      await verifyBridgeRequest(publicKey, service, {
        authorization: request.headers.get(bridgeHeaders.authorization),
        method: request.method,
        url: request.url,
        body,
      });
    } catch (error) {
      return refused((error as { reason?: string }).reason ?? "malformed", error);
    }
    if (request.method !== "POST") return problem(405, "invalid", "the bridge's routes take POST");
    const [, , kind, name, ...rest] = path.split("/");
    const target = name === undefined || rest.length ? undefined : decodeURIComponent(name);
    if (kind === "tick" && name === undefined) return Response.json(await tick());
    if (kind === "rpc" && target) {
      const route = options.routes.get(target) ?? bySubject.get(target);
      if (!route) return problem(404, "not_found", `${service} has no endpoint ${target}`);
      let natsHeaders;
      try {
        natsHeaders = decodeNatsHeaders(request.headers.get(bridgeHeaders.natsHeaders));
      } catch (error) {
        return problem(400, "invalid", (error as Error).message);
      }
      return answerRpcOverHttp(route, body, natsHeaders, options.serve);
    }
    if (kind === "events" && target) return deliverOverHttp(streams, target, request, body);
    if (kind === "given-up" && target) return giveUpOverHttp(streams, target, request, body);
    return problem(404, "not_found", `no bridge route ${path}`);
  }

  function refused(reason: string, error?: unknown): Response {
    log.warn("refused a request to a bridge route: not the bridge's", { reason, error });
    return problem(
      401,
      unauthenticatedKind,
      "this route answers the bridge's signed requests only",
    );
  }

  return {
    fetch: (request, next) => {
      const path = new URL(request.url).pathname;
      return path.startsWith(bridgePathPrefix) ? serve(request, path) : next();
    },
    tick,
    stop: async () => {
      unschedule?.();
      await options.periodic.stop();
    },
  };
}
