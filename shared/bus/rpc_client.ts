/**
 * The typed RPC client of a contract: one method per endpoint (rpc_call.ts), its replies on one
 * subscription per connection (replies.ts).
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type { ReplyOf, RequestOf, RpcEndpoints, RpcService } from "../contracts/mod.ts";
import { closing } from "./connection_status.ts";
import { callEndpoint, type CallOptions, type ClientOptions } from "./rpc_call.ts";
import { repliesOn } from "./replies.ts";

/**
 * One method per endpoint of the contract `E`: its request in, a promise of its reply (checked
 * against the contract) out; failures are `ServiceError`s (see `rpcClient`).
 */
export type RpcClient<E extends RpcEndpoints> = {
  [K in keyof E]: (request: RequestOf<E[K]>, options?: CallOptions) => Promise<ReplyOf<E[K]>>;
};

/**
 * A typed client for a contract: replies are checked against it, failures are ServiceErrors.
 * Calls go through the service's circuit breaker; idempotent ones are retried within the
 * deadline, the others never. Replies come back on one subscription per connection (`Replies`).
 *
 * Each attempt waits at most the deadline's remaining time (and `timeoutMs`), and gives the
 * callee a little less (`calleeBudgetMs`), so that the deepest hop fails first. Errors:
 * - `deadline`, "<service> did not answer in time", origin the service: no answer in the wait;
 *   `deadline`, "no time left to call <service>", origin the service: the deadline passed
 *   before the attempt (counted by no breaker: the service was not asked);
 * - `unavailable`, "<service> is not running", origin the service: nothing listens;
 * - `unavailable`, origin `nats`, with `retryAfterMs`: the connection to NATS is down or closed
 *   (at once, not after the timeout; a call waiting when it drops fails then);
 * - whatever the service answered, with the origin it gave (see ServiceError.origin);
 * - `internal`, origin the service, when its reply is outside the contract; `internal` when the
 *   request could not be sent.
 * The breaker counts only the failures of the service itself (`countsAgainst`).
 */
export function rpcClient<E extends RpcEndpoints>(
  nc: NatsConnection,
  contract: RpcService<E>,
  options: ClientOptions,
): RpcClient<E> {
  // Made now, while connected, so that it sees every later change of the connection's state.
  if (!closing(nc)) repliesOn(nc);
  const client: Record<string, unknown> = {};
  for (const [method, endpoint] of Object.entries(contract.endpoints)) {
    client[method] = (request: unknown, call: CallOptions = noCallOptions) =>
      callEndpoint(nc, contract.name, endpoint, request, options, call);
  }
  return client as RpcClient<E>;
}

const noCallOptions: CallOptions = {};
