import { createInbox, type NatsConnection, nkeyAuthenticator, wsconnect } from "@nats-io/nats-core";
import { fromSeed } from "@nats-io/nkeys";
import { natsServers, redactUrl } from "../config/mod.ts";
import { coalescedWebSocket } from "./coalesced_websocket.ts";

/** Who a connection is on NATS: the identity's name and its NKey public key (`U…`). */
export interface NatsIdentity {
  name: string;
  publicKey: string;
}

/** How a connection trusts its server, beyond the URL. */
export interface NatsTlsOptions {
  /**
   * A PEM file of the CA(s) to trust for a `tls://` server instead of the system's (the
   * `NATS_CA_FILE` variable). Not for `ws://`/`wss://`: a WebSocket trusts what the runtime
   * trusts (under Deno, `DENO_CERT=<ca.pem>`), and giving one there is refused.
   */
  caFile?: string;
}

const identities = new WeakMap<NatsConnection, NatsIdentity>();

/**
 * Connects over TCP (nats://, tls://) or WebSocket (ws://, wss://), chosen by the URL, and keeps
 * reconnecting forever: a service outlives a NATS restart instead of dying with it. `url` may list
 * a cluster's servers, comma-separated: nats.js picks one and fails over to the others (and to
 * those the cluster announces) when it goes. The URL may
 * hold credentials: log it through `redactUrl` (shared/config), as the rejection's message is.
 *
 * With `seed` (an NKey user seed, `SU…`) it signs in as that identity, and its reply inboxes are
 * `_INBOX.<name>.*`: the server lets each identity read only its own replies, so `name` must be
 * the identity's (the service's name, `operator`). Throws what nats.js throws for a bad seed.
 *
 * `tls://` (or a `caFile`) requires TLS: a server that does not offer it is refused, and so is
 * one whose certificate does not verify (chain to `caFile` or the system's CAs, and its name or
 * IP address). A `nats://` URL still takes TLS when the server requires it, verified the same.
 */
export function connectNats(
  url: string,
  name: string,
  seed?: string,
  { caFile }: NatsTlsOptions = {},
): Promise<NatsConnection> {
  const key = seed === undefined ? undefined : new TextEncoder().encode(seed);
  const servers = natsServers(url);
  const webSocket = servers.some((server) => /^wss?:\/\//.test(server));
  if (webSocket && caFile) {
    return Promise.reject(
      new Error("a NATS CA file is for tls:// URLs; over wss:// the runtime's CAs (DENO_CERT)"),
    );
  }
  // nats.js upgrades when the server asks; `tls` set makes a server without TLS an error.
  const tls = !webSocket && (servers.some((server) => server.startsWith("tls://")) || caFile)
    ? { caFile }
    : undefined;
  const options = {
    servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: false,
    noAsyncTraces: true,
    ...(tls ? { tls } : {}),
    ...(key ? { authenticator: nkeyAuthenticator(key), inboxPrefix: `_INBOX.${name}` } : {}),
  };
  // The TCP transport is loaded only for a TCP URL: a bundle at the edge (wss://) does not
  // evaluate it on its cold start.
  const connecting = webSocket
    ? wsconnect({ ...options, wsFactory: coalescedWebSocket })
    : import("@nats-io/transport-node").then(({ connect }) => connect(options));
  // The URL may carry a user, password or token; a caller logs the error as it comes.
  return connecting.then((nc) => {
    if (key) identities.set(nc, { name, publicKey: fromSeed(key).getPublicKey() });
    return nc;
  }, (error: unknown) => {
    if (error instanceof Error) error.message = redactUrl(error.message);
    throw error;
  });
}

/**
 * A new reply subject under `nc`'s inbox prefix (`_INBOX.<name>.<unique>` for a connection with
 * an identity, whose permissions allow no other inbox; else `_INBOX.<unique>`).
 */
export function inboxOf(nc: NatsConnection): string {
  // nats.js keeps the prefix in its connection's options, which its interface does not show.
  return createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
}

/** The identity `nc` signed in as (see `connectNats`), or undefined when it gave no seed. */
export function natsIdentity(nc: NatsConnection): NatsIdentity | undefined {
  return identities.get(nc);
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
