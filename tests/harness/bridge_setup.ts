/** Small helpers for the bridge's tests: a fresh key pair, and the kit seen from a service. */
import {
  BridgeRequestRefused,
  type CarriedHeaders,
  decodeNatsHeaders,
  encodeNatsHeaders,
  generateBridgeKeys,
  importBridgePublicKey,
  importBridgeSigningKey,
  type ReceivedRequest,
  verifyBridgeRequest,
} from "../../shared/bridge/mod.ts";

export { bridgeName } from "../../infra/nats/bridge_permissions.ts";

/** A fresh bridge key pair, imported: the private key to sign, the public one to verify. */
export async function keys(): Promise<{ signingKey: CryptoKey; publicKey: CryptoKey }> {
  const pair = await generateBridgeKeys();
  return {
    signingKey: await importBridgeSigningKey(pair.signingKey),
    publicKey: await importBridgePublicKey(pair.publicKey),
  };
}

/** The `bridge-nats-headers` value of `record`. */
export function natsHeaderValue(record: CarriedHeaders): string {
  return encodeNatsHeaders(record)!;
}

/** The kit as a service uses it. */
export const bridge = {
  /** The NATS headers an HTTP request carries (an empty set when none). */
  decode: (h: Headers) => decodeNatsHeaders(h.get("bridge-nats-headers")) ?? new Map(),
  verify: verifyBridgeRequest,
  /** Why verification refuses `request`, or "accepted". */
  reason: async (key: CryptoKey, service: string, request: ReceivedRequest) => {
    try {
      await verifyBridgeRequest(key, service, request);
      return "accepted";
    } catch (error) {
      if (error instanceof BridgeRequestRefused) return error.reason;
      throw error;
    }
  },
};
