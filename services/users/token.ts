/** Access tokens: HS256 JWTs the gateway verifies with the same secret. */
import { sign } from "hono/jwt";

export interface TokenSubject {
  userId: string;
  email: string;
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
    { sub: subject.userId, email: subject.email, role: "user", iat, exp },
    secret,
    "HS256",
  );
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}
