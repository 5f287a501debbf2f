/** What the users service answers over NATS: register, login, get profile, public keys. */
import type { Database } from "../../shared/db/client.ts";
import type { usersApi } from "../../shared/contracts/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";
import type { EndpointHandlers } from "../../shared/runtime/mod.ts";
import { createAccount, findAccountByEmail, findAccountById } from "./store.ts";
import type { UsersConfig } from "./config.ts";
import type { PasswordHashing } from "./hashing.ts";
import type { SigningKeys } from "./keys.ts";
import { issueToken } from "./token.ts";

export interface UsersEndpointDeps {
  db: Database;
  /** Hashing bounded in concurrency and by the caller's deadline (hashing.ts). */
  passwords: PasswordHashing;
  /** The key tokens are signed with and the key set published (keys.ts). */
  keys: SigningKeys;
  config: Pick<
    UsersConfig,
    "JWT_TTL_SECONDS" | "ADMIN_EMAILS" | "TOKEN_ISSUER" | "TOKEN_AUDIENCE"
  >;
}

export function usersEndpoints(
  deps: UsersEndpointDeps,
): EndpointHandlers<typeof usersApi.endpoints> {
  const { db, config, passwords, keys } = deps;
  // Checked when the email is unknown, so a wrong email costs as long as a wrong password.
  // Made first, through the limiter: it also measures how long one hash takes.
  const decoy = passwords.hash(crypto.randomUUID(), Infinity);

  return {
    register: async ({ email, password, name }, ctx) => {
      const passwordHash = await passwords.hash(password, ctx.deadline);
      const account = await ctx.transaction(({ tx, publish }) =>
        createAccount(tx, { email: normaliseEmail(email), name, passwordHash }, publish)
      );
      if (!account) throw new ServiceError("conflict", "that email is already registered");
      ctx.log.info("user registered", { userId: account.id });
      return { userId: account.id };
    },

    login: async ({ email, password }, ctx) => {
      const account = await findAccountByEmail(db, normaliseEmail(email));
      const stored = account?.passwordHash ?? await decoy;
      const valid = await passwords.verify(password, stored, ctx.deadline);
      if (!account || !valid) throw new ServiceError("unauthorized", "wrong email or password");
      return issueToken(
        {
          userId: account.id,
          email: account.email,
          role: config.ADMIN_EMAILS.has(account.email) ? "admin" : "user",
        },
        keys,
        {
          issuer: config.TOKEN_ISSUER,
          audience: config.TOKEN_AUDIENCE,
          ttlSeconds: config.JWT_TTL_SECONDS,
        },
      );
    },

    getProfile: async ({ userId }) => {
      const account = await findAccountById(db, userId);
      if (!account) throw new ServiceError("not_found", "no such user");
      return {
        userId: account.id,
        email: account.email,
        name: account.name,
        createdAt: account.createdAt.toISOString(),
      };
    },

    // Asked by the gateway at start, every minute, and when a token names a kid it lacks.
    publicKeys: () => Promise.resolve(keys.publicKeys()),
  };
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase();
