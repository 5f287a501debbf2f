/**
 * How a service checks that a request comes from the bridge: the token's signature with the
 * bridge's public key, its issuer, audience (this service), lifetime, and that it was made for
 * this very method, path and body. Anything else is refused before any work runs.
 */
import { errors, jwtVerify } from "jose";
import { bodyHash } from "./body_hash.ts";
import {
  bridgeAlgorithm,
  bridgeIssuer,
  bridgeScheme,
  clockSkewSeconds,
  maxTokenLifetimeSeconds,
} from "./protocol.ts";

/** Why a request was refused; logged by the service, never told in detail to the caller. */
export type RefusalReason =
  | "missing"
  | "malformed"
  | "signature"
  | "expired"
  | "issuer"
  | "audience"
  | "lifetime"
  | "method"
  | "path"
  | "body";

/** A request that is not the bridge's: answered 401 problem+json kind `unauthenticated`. */
export class BridgeRequestRefused extends Error {
  override name = "BridgeRequestRefused";
  constructor(readonly reason: RefusalReason, message: string) {
    super(message);
  }
}

/** What a service received, as it received it. */
export interface ReceivedRequest {
  /** The `authorization` header, or null when absent. */
  authorization: string | null;
  method: string;
  /** The request URL (absolute, as `Request.url`) or its path and query. */
  url: string;
  /** The exact bytes of the body. */
  body: Uint8Array;
}

/** The claims of a verified bridge token. */
export interface BridgeClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  htm: string;
  htu: string;
  bsh: string;
}

/**
 * The claims of `request`'s token when it is the bridge's, signed with the key `publicKey`
 * verifies, for `service`, alive (`exp` not passed, at most 60 s after `iat`, `iat` at most 5 s
 * ahead of this clock), made for this method, path and query, and body. Throws
 * BridgeRequestRefused saying which check failed.
 */
export async function verifyBridgeRequest(
  publicKey: CryptoKey,
  service: string,
  request: ReceivedRequest,
  nowMs = Date.now(),
): Promise<BridgeClaims> {
  const token = tokenOf(request.authorization);
  let claims: BridgeClaims;
  try {
    const verified = await jwtVerify<BridgeClaims>(token, publicKey, {
      algorithms: [bridgeAlgorithm],
      issuer: bridgeIssuer,
      audience: service,
      clockTolerance: clockSkewSeconds,
      currentDate: new Date(nowMs),
      requiredClaims: ["iss", "aud", "iat", "exp", "jti", "htm", "htu", "bsh"],
    });
    claims = verified.payload as BridgeClaims;
  } catch (error) {
    throw refusalOf(error);
  }
  const nowSeconds = nowMs / 1000;
  if (
    typeof claims.exp !== "number" || typeof claims.iat !== "number" ||
    claims.exp - claims.iat > maxTokenLifetimeSeconds || claims.iat > nowSeconds + clockSkewSeconds
  ) {
    throw new BridgeRequestRefused("lifetime", "the token lives longer than allowed");
  }
  if (claims.htm !== request.method.toUpperCase()) {
    throw new BridgeRequestRefused("method", "the token was made for another method");
  }
  if (claims.htu !== pathAndQuery(request.url)) {
    throw new BridgeRequestRefused("path", "the token was made for another path");
  }
  if (claims.bsh !== await bodyHash(request.body)) {
    throw new BridgeRequestRefused("body", "the token was made for another body");
  }
  return claims;
}

/** The path and query of an absolute URL or of a path (`/a?b=1`). */
export function pathAndQuery(url: string): string {
  const parsed = new URL(url, "http://bridge.invalid");
  return parsed.pathname + parsed.search;
}

function tokenOf(authorization: string | null): string {
  if (!authorization) throw new BridgeRequestRefused("missing", "no bridge token");
  const [scheme, token, ...rest] = authorization.trim().split(/\s+/);
  if (scheme !== bridgeScheme || !token || rest.length > 0) {
    throw new BridgeRequestRefused("malformed", `the authorization is not "${bridgeScheme} <JWT>"`);
  }
  return token;
}

function refusalOf(error: unknown): BridgeRequestRefused {
  if (error instanceof errors.JWTExpired) {
    return new BridgeRequestRefused("expired", "the token has expired");
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const reason = error.claim === "aud"
      ? "audience"
      : error.claim === "iss"
      ? "issuer"
      : "malformed";
    return new BridgeRequestRefused(reason, `the token's ${error.claim} claim is not accepted`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new BridgeRequestRefused("signature", "the token's signature does not verify");
  }
  return new BridgeRequestRefused("malformed", "the token is not a bridge token");
}
