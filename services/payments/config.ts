import * as z from "zod";
import { baseConfig } from "../../shared/config/mod.ts";
import { maxBalanceCents } from "../../shared/contracts/mod.ts";

export const paymentsConfig = baseConfig.extend({
  /**
   * What a new user's wallet opens with, in cents, at most `maxBalanceCents`; counted as a
   * deposit, so money stays conserved.
   */
  STARTING_BALANCE_CENTS: z.coerce.number().int().nonnegative().max(maxBalanceCents)
    .default(10_000),
});
export type PaymentsConfig = z.infer<typeof paymentsConfig>;
