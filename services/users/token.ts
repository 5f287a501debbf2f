/**
 * Access tokens: JWTs signed with EdDSA (Ed25519) by the users service alone; the gateway verifies
 * them with the public keys users publishes (keys.ts). Header `kid` names the key; claims `sub`,
 * `email`, `role`, `iat`, `exp`, `iss`, `aud`.
 */
import { SignJWT } from "jose";
import type { SigningKeys } from "./keys.ts";

export type Role = "user" | "admin";

export interface TokenSubject {
  userId: string;
  email: string;
  role: Role;
}

export interface IssuedToken {
  token: string;
  expiresAt: string;
}

/** Who issues tokens for whom (`iss`, `aud`), and for how long, in seconds. */
export interface TokenOptions {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export async function issueToken(
  subject: TokenSubject,
  keys: Pick<SigningKeys, "kid" | "privateKey">,
  { issuer, audience, ttlSeconds }: TokenOptions,
  now = new Date(),
): Promise<IssuedToken> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + ttlSeconds;
  const token = await new SignJWT({ email: subject.email, role: subject.role })
    .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: keys.kid })
    .setSubject(subject.userId)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(keys.privateKey);
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}
