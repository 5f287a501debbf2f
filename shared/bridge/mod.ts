export {
  bridgeAlgorithm,
  bridgeHeaders,
  bridgeIssuer,
  bridgePathPrefix,
  bridgePaths,
  bridgeScheme,
  clockSkewSeconds,
  invalidMessageKind,
  maxTokenLifetimeSeconds,
  unauthenticatedKind,
} from "./protocol.ts";
export {
  generateBridgeKeys,
  importBridgePublicKey,
  importBridgeSigningKey,
  publicJwkOf,
} from "./keys.ts";
export { bodyHash } from "./body_hash.ts";
export { signBridgeRequest, type SignedRequest } from "./signing.ts";
export {
  type BridgeClaims,
  BridgeRequestRefused,
  pathAndQuery,
  type ReceivedRequest,
  type RefusalReason,
  verifyBridgeRequest,
} from "./verifying.ts";
export {
  type CarriedHeaders,
  decodeNatsHeaderRecord,
  decodeNatsHeaders,
  encodeNatsHeaders,
} from "./nats_headers.ts";
