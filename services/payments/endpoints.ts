/** What payments answers over NATS: a user's wallet, and deposits into it. */
import type { Database } from "../../shared/db/client.ts";
import type { paymentsApi } from "../../shared/contracts/mod.ts";
import type { EndpointHandlers } from "../../shared/runtime/mod.ts";
import { balanceOf, deposit, openWallet } from "./store.ts";

export function paymentsEndpoints(
  db: Database,
  startingBalanceCents: number,
): EndpointHandlers<typeof paymentsApi.endpoints> {
  return {
    getWallet: async ({ userId }, ctx) => {
      let balanceCents = await balanceOf(db, userId);
      if (balanceCents === null) {
        // Asked before the registration event arrived: open it now, the event then changes nothing.
        await ctx.transaction(({ tx }) => openWallet(tx, userId, startingBalanceCents));
        balanceCents = (await balanceOf(db, userId))!;
      }
      return { balanceCents };
    },
    deposit: ({ userId, amountCents }, ctx) =>
      ctx.transaction(async ({ tx }) => {
        await openWallet(tx, userId, startingBalanceCents);
        return { balanceCents: await deposit(tx, userId, amountCents) };
      }),
  };
}
