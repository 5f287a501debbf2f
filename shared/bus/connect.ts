import { connect } from "@nats-io/transport-node";
import { type NatsConnection, wsconnect } from "@nats-io/nats-core";

/**
 * Connects over TCP (nats://, tls://) or WebSocket (ws://, wss://), chosen by the URL, and keeps
 * reconnecting forever: a service outlives a NATS restart instead of dying with it.
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
  return /^wss?:\/\//.test(url) ? wsconnect(options) : connect(options);
}

/** Resolves when the server answers a ping within `timeoutMs`, for readiness checks. */
export async function natsAnswers(nc: NatsConnection, timeoutMs = 1000): Promise<void> {
  if (nc.isClosed()) throw new Error("connection closed");
  await withTimeout(nc.flush(), timeoutMs, "NATS did not answer");
}

export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
