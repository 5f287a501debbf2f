export {
  connectNats,
  inboxOf,
  natsAnswers,
  type NatsIdentity,
  natsIdentity,
  withTimeout,
} from "./connect.ts";
export { budgetHeader, correlationHeader } from "./headers.ts";
export { type RpcContext, type RpcHandlers, type ServeOptions, serveRpc } from "./rpc_server.ts";
export { type RpcClient, rpcClient } from "./rpc_client.ts";
export type { CallOptions } from "./rpc_call.ts";
export { duplicateWindowMs, ensureStream, eventStreamMaxAgeMs, streamMaxAgeMs } from "./streams.ts";
export {
  clusterReplicas,
  pinnedStreamReplicas,
  pinStreamReplicas,
  streamReplicas,
} from "./replicas.ts";
export {
  isConsumerInUse,
  isConsumerOrStreamNotFound,
  isJetStreamApiError,
  isNoResponders,
  isStreamNameInUse,
  isStreamNotFound,
  isTooFewServers,
  jetStreamApiCodes,
} from "./jetstream_errors.ts";
export { serviceAnswers } from "./discovery.ts";
export { describeMissing, type HeldRange, missingEventsOf, missingFrom } from "./missing_events.ts";
export { type OpenRange, openRange, type StreamRange } from "./stream_range.ts";
