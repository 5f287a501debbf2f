import { z } from "zod";
import { baseConfig } from "../../shared/config/mod.ts";

export const gatewayConfig = baseConfig.extend({
  JWT_SECRET: z.string().min(32, "must be at least 32 characters"),
  /** The whole time a request may take, every downstream hop included. */
  REQUEST_BUDGET_MS: z.coerce.number().int().positive().default(5000),
  /** The longest a single downstream call may take within that budget. */
  RPC_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
});
export type GatewayConfig = z.infer<typeof gatewayConfig>;
