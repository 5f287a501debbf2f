import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { NoRespondersError, RequestError, TimeoutError } from "@nats-io/nats-core";

/**
 * The JetStream API error codes (`err_code`) this kit reacts to: nats.js's own
 * `JetStreamApiCodes` and the ones it does not name, from nats-server's `server/errors.json`.
 */
export const jetStreamApiCodes = {
  ...JetStreamApiCodes,
  /** 10058 "stream name already in use with a different configuration". */
  StreamNameInUse: 10058,
  /** 10013 "consumer name already in use". */
  ConsumerNameInUse: 10013,
  /** 10105 "consumer already exists and is still active". */
  ConsumerExistingActive: 10105,
  /** 10148 "consumer already exists" (nats-server 2.10+, a create that would change it). */
  ConsumerAlreadyExists: 10148,
  /** 10054 "message size exceeds maximum allowed" (the stream's `max_msg_size`). */
  MessageSizeExceedsMaximum: 10054,
  /** 10005 "no suitable peers for placement": the cluster knows fewer servers than asked, yet. */
  NoSuitablePeers: 10005,
  /** 10023 "insufficient resources": fewer servers with JetStream up than the replicas asked. */
  InsufficientResources: 10023,
  /** 10008 "JetStream system temporarily unavailable" (a cluster without its meta leader). */
  JetStreamTemporarilyUnavailable: 10008,
  /** 10074 "replicas > 1 not supported in non-clustered mode". */
  ReplicasNotSupported: 10074,
} as const;

/** Whether `error` is a JetStream API error whose `err_code` is one of `codes`. */
export function isJetStreamApiError(
  error: unknown,
  ...codes: number[]
): error is JetStreamApiError {
  return error instanceof JetStreamApiError && (codes.length === 0 || codes.includes(error.code));
}

/** The server answered that the stream does not exist (10059). */
export function isStreamNotFound(error: unknown): boolean {
  return isJetStreamApiError(error, jetStreamApiCodes.StreamNotFound);
}

/** The server answered that the consumer, or the stream it would be on, does not exist. */
export function isConsumerOrStreamNotFound(error: unknown): boolean {
  return isJetStreamApiError(
    error,
    jetStreamApiCodes.ConsumerNotFound,
    jetStreamApiCodes.StreamNotFound,
  );
}

/** A stream add lost a race: a stream of that name exists already (10058). */
export function isStreamNameInUse(error: unknown): boolean {
  return isJetStreamApiError(error, jetStreamApiCodes.StreamNameInUse);
}

/** A consumer add lost a race: a consumer of that name exists already (10013, 10105, 10148). */
export function isConsumerInUse(error: unknown): boolean {
  return isJetStreamApiError(
    error,
    jetStreamApiCodes.ConsumerNameInUse,
    jetStreamApiCodes.ConsumerExistingActive,
    jetStreamApiCodes.ConsumerAlreadyExists,
  );
}

/**
 * Nobody answered a request (NATS status 503), or a JetStream call that wraps one (nats.js's
 * `JetStreamNotEnabled` "jetstream is not enabled", whose `cause` is that `RequestError`): for a
 * publish, no stream listens on the subject.
 */
export function isNoResponders(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    if (e instanceof NoRespondersError) return true;
    if (e instanceof RequestError && e.isNoResponders()) return true;
  }
  return false;
}

/** The servers cannot hold as many replicas as asked: too few are up, or there is no cluster. */
export function isTooFewServers(error: unknown): boolean {
  return isJetStreamApiError(
    error,
    jetStreamApiCodes.NoSuitablePeers,
    jetStreamApiCodes.InsufficientResources,
    jetStreamApiCodes.ReplicasNotSupported,
  );
}

/**
 * A JetStream call that may succeed if made again shortly: it timed out (a loaded server, a
 * cluster electing its meta leader), nobody answered it (JetStream restarting), or the server
 * said it is temporarily unavailable (10008). A refusal (permissions, a bad configuration) is not.
 */
export function isTransientJetStream(error: unknown): boolean {
  if (isNoResponders(error)) return true;
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    if (e instanceof TimeoutError || e.name === "TimeoutError") return true;
  }
  return isJetStreamApiError(error, jetStreamApiCodes.JetStreamTemporarilyUnavailable);
}
