/** The accounts table, and the event each new account causes, written in one transaction. */
import { eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "../../shared/db/client.ts";
import { accounts } from "./db/schema.ts";
import { userRegistered } from "../../shared/contracts/mod.ts";
import type { Publish } from "../../shared/outbox/mod.ts";

export type Account = typeof accounts.$inferSelect;

export interface NewAccount {
  email: string;
  name: string;
  passwordHash: string;
}

/**
 * The new account, with `users.user.registered` published in the caller's transaction `tx`; or
 * null when the email is taken, and then nothing is written.
 */
export async function createAccount(
  tx: Database,
  account: NewAccount,
  publish: Publish,
): Promise<Account | null> {
  const [created] = await tx.insert(accounts).values({ id: uuidv7(), ...account })
    .onConflictDoNothing({ target: accounts.email }).returning();
  if (!created) return null;
  await publish(userRegistered, { userId: created.id, email: created.email, name: created.name });
  return created;
}

export async function findAccountByEmail(db: Database, email: string): Promise<Account | null> {
  const [account] = await db.select().from(accounts).where(eq(accounts.email, email));
  return account ?? null;
}

export async function findAccountById(db: Database, id: string): Promise<Account | null> {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, id));
  return account ?? null;
}
