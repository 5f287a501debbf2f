import { z } from "zod";
import { baseConfig } from "../../shared/config/mod.ts";

export const ordersConfig = baseConfig.extend({
  /** The longest the quote from catalog may take while an order is placed. */
  RPC_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
});
export type OrdersConfig = z.infer<typeof ordersConfig>;
