/**
 * The RPC side of the bridge: it serves a carried service's subjects (`rpc.<name>.>` and the
 * operator's `ops.<name>.>`) in the service's queue group, as the service would, and forwards each
 * request to `POST <base>/_bridge/rpc/<method>`. A 200 is the reply, headers and all; anything
 * else (another status, no answer, the caller's deadline) is answered `unavailable`, as an RPC
 * server answers an error, so the caller's breaker and retries work unchanged. A request of the
 * service's contract waits at most the bridge's timeout; an operator's (replay, rebuild, re-drive,
 * which may run for minutes) waits as long as its caller does.
 */
import {
  headers as natsHeaders,
  type Msg,
  type NatsConnection,
  type Subscription,
} from "@nats-io/nats-core";
import { ServiceErrorCodeHeader, ServiceErrorHeader } from "@nats-io/services";
import {
  bridgeHeaders,
  bridgePaths,
  decodeNatsHeaders,
  encodeNatsHeaders,
} from "../shared/bridge/mod.ts";
import { budgetHeader } from "../shared/bus/mod.ts";
import { operationsApi } from "../shared/contracts/mod.ts";
import { errorText, ServiceError, statusOf } from "../shared/errors/mod.ts";
import type { Logger } from "../shared/log/mod.ts";
import type { CarriedService } from "./carried.ts";
import { type ServiceDiscovery, serviceDiscovery } from "./service_discovery.ts";
import { bridgeRpcDuration, bridgeRpcRequests } from "./metrics.ts";
import type { ServiceClient } from "./service_client.ts";

/** A carried service's RPC subjects being forwarded. */
export interface RpcForwarding {
  /** Takes no new requests, then waits until every one taken is answered. */
  stop(): Promise<void>;
}

/** What `forwardRpc` forwards, to whom, and how long it waits at most. */
export interface RpcForwardingOptions {
  nc: NatsConnection;
  service: CarriedService;
  client: ServiceClient;
  log: Logger;
  /**
   * The longest wait for the service, in ms, on its contract's subjects; a caller's shorter budget
   * wins. On the operator's subjects (`ops.<name>.*`) the caller's budget alone bounds the wait.
   */
  timeoutMs: number;
  /** Budget assumed when a caller sent none, in ms (an RPC server's default, 5000). */
  defaultBudgetMs?: number;
}

/**
 * Subscribes to the service's subjects in its queue group and forwards each request, and answers
 * the services framework's discovery for it (./service_discovery.ts). Resolves once the server has the subscriptions. A subject outside
 * its contract is answered `not_found`.
 */
export async function forwardRpc(options: RpcForwardingOptions): Promise<RpcForwarding> {
  const { nc, service } = options;
  const operatorSubjects = new Set(
    Object.values(operationsApi(service.name).endpoints).map((endpoint) => endpoint.subject),
  );
  const discovery = serviceDiscovery(service);
  let inFlight = 0;
  let drained: PromiseWithResolvers<void> | undefined;
  const settled = () => {
    if (--inFlight === 0) drained?.resolve();
  };
  const subscriptions: Subscription[] = [];
  const prefixes = new Set([...service.methods.keys()].map((s) => s.split(".")[0]));
  for (const prefix of prefixes) {
    subscriptions.push(nc.subscribe(`${prefix}.${service.name}.>`, {
      queue: service.name,
      callback: (error, msg) => {
        if (error) return void options.log.error("RPC subscription failed", { error });
        inFlight++;
        const operator = operatorSubjects.has(msg.subject);
        forward(options, msg, operator, discovery).finally(settled);
      },
    }));
  }
  // The services framework's discovery, which operators and harnesses ask: the bridge answers
  // it, since a request to the service now reaches it through the bridge; only now, so a ping
  // is answered only once a request would be.
  await discovery.answer(nc);
  return {
    stop: async () => {
      await Promise.all(subscriptions.map((sub) => sub.drain().catch(() => {})));
      await discovery.stop();
      if (inFlight === 0) return;
      drained ??= Promise.withResolvers();
      await drained.promise;
    },
  };
}

/** Forwards one request and answers it, whatever happens. */
async function forward(
  options: RpcForwardingOptions,
  msg: Msg,
  operator: boolean,
  discovery: ServiceDiscovery,
): Promise<void> {
  const { service, log } = options;
  const started = performance.now();
  let outcome = "unavailable";
  try {
    const method = service.methods.get(msg.subject);
    if (!method) {
      outcome = "not_found";
      return answerError(
        msg,
        new ServiceError(
          "not_found",
          `${service.name} has no ${msg.subject}`,
          undefined,
          service.name,
        ),
        log,
      );
    }
    const budget = Number(msg.headers?.get(budgetHeader) || options.defaultBudgetMs || 5000);
    const waitMs = Math.max(1, operator ? budget : Math.min(options.timeoutMs, budget));
    const carried = encodeNatsHeaders(msg.headers);
    let answer;
    try {
      answer = await options.client(
        bridgePaths.rpc(method),
        msg.data,
        carried ? { [bridgeHeaders.natsHeaders]: carried } : {},
        waitMs,
      );
    } catch (error) {
      const why = error instanceof DOMException && error.name === "TimeoutError"
        ? `did not answer within ${waitMs} ms`
        : `could not be reached (${errorText(error)})`;
      log.warn("a carried service did not answer an RPC request", { subject: msg.subject, why });
      return answerError(msg, unavailable(service.name, why), log);
    }
    if (answer.status !== 200) {
      log.warn("a carried service refused an RPC request", {
        subject: msg.subject,
        status: answer.status,
      });
      return answerError(msg, unavailable(service.name, `answered HTTP ${answer.status}`), log);
    }
    let replyHeaders;
    try {
      replyHeaders = decodeNatsHeaders(answer.headers.get(bridgeHeaders.natsHeaders));
    } catch (error) {
      log.error("a carried service's reply headers are unreadable", {
        subject: msg.subject,
        error,
      });
      return answerError(msg, unavailable(service.name, "answered unreadable headers"), log);
    }
    outcome = replyHeaders?.get(ServiceErrorCodeHeader) ? "error" : "ok";
    if (msg.reply) msg.respond(answer.body, { headers: replyHeaders });
  } catch (error) {
    log.error("could not answer a forwarded request", { subject: msg.subject, error });
  } finally {
    const ms = performance.now() - started;
    bridgeRpcRequests.inc({ service: service.name, outcome });
    bridgeRpcDuration.observe({ service: service.name }, ms / 1000);
    discovery.record(msg.subject, ms, outcome === "ok" ? undefined : outcome);
  }
}

function unavailable(service: string, why: string): ServiceError {
  return new ServiceError("unavailable", `${service} ${why}`, undefined, service);
}

/** Answers `failure` as the kit's RPC server does: its code and message in headers, its body. */
function answerError(msg: Msg, failure: ServiceError, log: Logger): void {
  if (!msg.reply) return;
  try {
    const h = natsHeaders();
    h.set(ServiceErrorCodeHeader, String(statusOf[failure.kind]));
    h.set(ServiceErrorHeader, failure.message.replace(/[\r\n]+/g, " "));
    msg.respond(JSON.stringify(failure.toBody()), { headers: h });
  } catch (error) {
    log.error("could not answer a request", { error });
  }
}
