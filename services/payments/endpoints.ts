/** What payments answers over NATS: a user's wallet, and deposits into it. */
import type { Database } from "../../shared/db/client.ts";
import type { RpcHandlers } from "../../shared/bus/mod.ts";
import type { paymentsApi } from "../../shared/contracts/mod.ts";
import { balanceOf, deposit, openWallet } from "./store.ts";

export function paymentsEndpoints(
  db: Database,
  startingBalanceCents: number,
): RpcHandlers<typeof paymentsApi.endpoints> {
  return {
    getWallet: async ({ userId }) => {
      let balanceCents = await balanceOf(db, userId);
      if (balanceCents === null) {
        // Asked before the registration event arrived: open it now, the event then changes nothing.
        await db.transaction((tx) => openWallet(tx, userId, startingBalanceCents));
        balanceCents = (await balanceOf(db, userId))!;
      }
      return { balanceCents };
    },
    deposit: ({ userId, amountCents }) =>
      db.transaction(async (tx) => {
        await openWallet(tx, userId, startingBalanceCents);
        return { balanceCents: await deposit(tx, userId, amountCents) };
      }),
  };
}
