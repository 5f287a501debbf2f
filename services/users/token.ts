/** Access tokens: HS256 JWTs the gateway verifies with the same secret. */
import { sign } from "hono/jwt";

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

export async function issueToken(
  subject: TokenSubject,
  secret: string,
  ttlSeconds: number,
  now = new Date(),
): Promise<IssuedToken> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + ttlSeconds;
  const token = await sign(
    { sub: subject.userId, email: subject.email, role: subject.role, iat, exp },
    secret,
    "HS256",
  );
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}
