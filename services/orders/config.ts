import * as z from "zod";
import { baseConfig } from "../../shared/config/mod.ts";
import { ordersRetentionVariables } from "./retention.ts";

export const ordersConfig = baseConfig.extend({
  /** How long keys and ended orders' timelines are kept (./retention.ts). */
  ...ordersRetentionVariables,
  /** The longest the quote from catalog may take while an order is placed. */
  RPC_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  /**
   * How long an order's saga may take, in ms: a pending order older than this is cancelled
   * (`timed_out`) and whatever happened is compensated.
   */
  SAGA_DEADLINE_MS: z.coerce.number().int().positive().default(300_000),
  /** How often each instance looks for orders past their deadline, in ms. */
  SAGA_DEADLINE_SWEEP_MS: z.coerce.number().int().positive().default(5000),
});
export type OrdersConfig = z.infer<typeof ordersConfig>;
