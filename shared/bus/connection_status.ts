/**
 * The RPC client's view of its connection to NATS: closed or draining, and the error a call gets
 * while NATS is away (origin `nats`, never counted against a service).
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { ServiceError } from "../errors/mod.ts";

/** The origin of the errors that are the connection's to NATS, not any service's. */
export const natsOrigin = "nats";

/** How soon a client may try again when NATS is away: it reconnects every 250 ms (connect.ts). */
const natsRetryAfterMs = 1000;

/** Closed or draining: nothing more can be sent on it (a subscribe would throw). */
export const closing = (nc: NatsConnection) => nc.isClosed() || nc.isDraining();

/** `unavailable` with origin `nats` and `retryAfterMs`: the connection, not a service, failed. */
export function natsDown(message: string): ServiceError {
  return new ServiceError("unavailable", message, { retryAfterMs: natsRetryAfterMs }, natsOrigin);
}
