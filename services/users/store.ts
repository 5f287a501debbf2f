/** The accounts table, and the event each new account causes, written in one transaction. */
import { eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "../../shared/db/client.ts";
import { accounts, outbox } from "./db/schema.ts";
import { userRegistered } from "../../shared/contracts/mod.ts";
import { createEvent, enqueueEvent, type EventOrigin } from "../../shared/outbox/mod.ts";
import { transaction } from "../../shared/db/transaction.ts";

export type Account = typeof accounts.$inferSelect;

export interface NewAccount {
  email: string;
  name: string;
  passwordHash: string;
}

/** The new account, or null when the email is taken. */
export function createAccount(
  db: Database,
  account: NewAccount,
  origin: EventOrigin,
): Promise<Account | null> {
  return transaction(db, async (tx) => {
    const [created] = await tx.insert(accounts).values({ id: uuidv7(), ...account })
      .onConflictDoNothing({ target: accounts.email }).returning();
    if (!created) return null;
    const event = createEvent(userRegistered, {
      userId: created.id,
      email: created.email,
      name: created.name,
    }, origin);
    await enqueueEvent(tx, outbox, event);
    return created;
  });
}

export async function findAccountByEmail(db: Database, email: string): Promise<Account | null> {
  const [account] = await db.select().from(accounts).where(eq(accounts.email, email));
  return account ?? null;
}

export async function findAccountById(db: Database, id: string): Promise<Account | null> {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, id));
  return account ?? null;
}
