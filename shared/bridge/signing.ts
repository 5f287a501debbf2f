/**
 * How the bridge signs a request: a short-lived EdDSA JWT bound to the service (`aud`), the HTTP
 * method (`htm`), the path and query (`htu`) and the body's SHA-256 (`bsh`), so a token taken
 * off one request opens no other.
 */
import { SignJWT } from "jose";
import { bodyHash } from "./body_hash.ts";
import {
  bridgeAlgorithm,
  bridgeIssuer,
  bridgeScheme,
  maxTokenLifetimeSeconds,
} from "./protocol.ts";

/** The request a token is made for. */
export interface SignedRequest {
  /** The service the request goes to: the token's `aud`. */
  audience: string;
  /** Upper-case HTTP method (`POST`). */
  method: string;
  /** The path and query the request is sent to (`/_bridge/rpc/get`), without the origin. */
  pathAndQuery: string;
  /** The exact bytes of the body (empty for none). */
  body: Uint8Array;
}

/** A token lives this long (s): long enough for clock skew, far below the 60 s allowed. */
const tokenLifetimeSeconds = 30;

/**
 * The `authorization` header value for `request`: `Bridge <JWT>` signed with the bridge's
 * Ed25519 private key; `iat` now (`nowMs`, epoch ms), `exp` 30 s later, a fresh `jti`.
 */
export async function signBridgeRequest(
  key: CryptoKey,
  request: SignedRequest,
  nowMs = Date.now(),
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  const token = await new SignJWT({
    htm: request.method.toUpperCase(),
    htu: request.pathAndQuery,
    bsh: await bodyHash(request.body),
  })
    .setProtectedHeader({ alg: bridgeAlgorithm, typ: "JWT" })
    .setIssuer(bridgeIssuer)
    .setAudience(request.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.min(tokenLifetimeSeconds, maxTokenLifetimeSeconds))
    .setJti(crypto.randomUUID())
    .sign(key);
  return `${bridgeScheme} ${token}`;
}
