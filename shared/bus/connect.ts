import { connect } from "@nats-io/transport-node";
import { type NatsConnection, wsconnect } from "@nats-io/nats-core";
import { redactUrl } from "../config/mod.ts";

/**
 * Connects over TCP (nats://, tls://) or WebSocket (ws://, wss://), chosen by the URL, and keeps
 * reconnecting forever: a service outlives a NATS restart instead of dying with it. The URL may
 * hold credentials: log it through `redactUrl` (shared/config), as the rejection's message is.
 */
export function connectNats(url: string, name: string): Promise<NatsConnection> {
  const options = {
    servers: url,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: false,
    noAsyncTraces: true,
  };
  const connecting = /^wss?:\/\//.test(url) ? wsconnect(options) : connect(options);
  // The URL may carry a user, password or token; a caller logs the error as it comes.
  return connecting.catch((error: unknown) => {
    if (error instanceof Error) error.message = redactUrl(error.message);
    throw error;
  });
}

/** Resolves when the server answers a ping within `timeoutMs`, for readiness checks. */
export async function natsAnswers(nc: NatsConnection, timeoutMs = 1000): Promise<void> {
  if (nc.isClosed()) throw new Error("connection closed");
  await withTimeout(nc.flush(), timeoutMs, "NATS did not answer");
}

/**
 * Settles as `work` does, or rejects with `new Error(message)` after `ms` milliseconds if it has
 * not by then; `work` itself is not cancelled.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
