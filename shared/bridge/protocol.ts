/**
 * The bridge's HTTP protocol, as both sides read it: the paths a service serves for the bridge,
 * the headers that carry what NATS carried, and the signed token's rules. A service deployed to a
 * request-driven runtime (TRANSPORT=bridge) gets its RPC requests, its durable consumers'
 * messages and its periodic tick as these requests; the bridge signs each one.
 */

/** Every path the bridge calls starts here; a bridged service serves nothing else under it. */
export const bridgePathPrefix = "/_bridge/";

/** The paths the bridge calls on a service. */
export const bridgePaths = {
  /** `POST`: one RPC request; 200 with the reply payload, as the service answers on NATS. */
  rpc: (method: string) => `/_bridge/rpc/${method}`,
  /** `POST`: one message of the durable on `stream`; 2xx ack, 422 dead letter, else retry. */
  events: (stream: string) => `/_bridge/events/${stream}`,
  /** `POST`: the message was delivered for the last time: run the handler's `onDeadLetter`. */
  givenUp: (stream: string) => `/_bridge/given-up/${stream}`,
  /** `POST`: run the service's periodic work once (outbox sweep, saga deadlines, purges). */
  tick: "/_bridge/tick",
} as const;

/** The HTTP headers of the protocol (lower case, as `Headers` gives them). */
export const bridgeHeaders = {
  /** `Bridge <JWT>`: the bridge's signed token (see signing.ts). */
  authorization: "authorization",
  /** The NATS headers of the request, reply or message (see nats_headers.ts), both directions. */
  natsHeaders: "bridge-nats-headers",
  /** The JetStream message's subject. */
  subject: "bridge-subject",
  /** The JetStream message's stream sequence. */
  streamSequence: "bridge-stream-seq",
  /** The JetStream delivery count of the message, from 1. */
  deliveryCount: "bridge-delivery-count",
  /** On a given-up request: why the bridge gives up on the message (one line). */
  reason: "bridge-reason",
} as const;

/** The authorization scheme: `authorization: Bridge <JWT>`. */
export const bridgeScheme = "Bridge";

/** The token's issuer claim (`iss`). */
export const bridgeIssuer = "bridge";

/** The token's signature algorithm: Ed25519. */
export const bridgeAlgorithm = "EdDSA";

/** The longest a token may live (`exp - iat`), in seconds. */
export const maxTokenLifetimeSeconds = 60;

/** How far the service's clock may be behind the bridge's (an `iat` in the future), in seconds. */
export const clockSkewSeconds = 5;

/** The problem `kind` a service answers a refused bridge request with (HTTP 401). */
export const unauthenticatedKind = "unauthenticated";

/** The problem `kind` of a message that is no valid event, never applicable (HTTP 422). */
export const invalidMessageKind = "invalid";
