import { z } from "zod";
import { baseConfig } from "../../shared/config/mod.ts";
import { defaultIterations } from "./password.ts";

export const usersConfig = baseConfig.extend({
  JWT_SECRET: z.string().min(32, "must be at least 32 characters"),
  JWT_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  /** Accounts whose tokens carry the admin role (the gateway's /admin routes), comma-separated. */
  ADMIN_EMAILS: z.string().default("").transform((list) =>
    new Set(list.split(",").map((email) => email.trim().toLowerCase()).filter(Boolean))
  ),
  PASSWORD_ITERATIONS: z.coerce.number().int().min(10_000).default(defaultIterations),
});
export type UsersConfig = z.infer<typeof usersConfig>;
