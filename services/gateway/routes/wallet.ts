/** GET /wallet, POST /wallet/deposits (authenticated). */
import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import { depositAmountCents, type paymentsApi } from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../context.ts";
import { validated } from "../validation.ts";

type Payments = RpcClient<typeof paymentsApi.endpoints>;

export const depositBody = z.object({ amountCents: depositAmountCents });

export function walletRoutes(payments: Payments, authenticated: MiddlewareHandler<GatewayEnv>) {
  return new Hono<GatewayEnv>()
    .use(authenticated)
    .get("/", async (c) => {
      return c.json(await payments.getWallet({ userId: c.var.jwtPayload.sub }, callOptions(c)));
    })
    .post("/deposits", validated("json", depositBody), async (c) => {
      const { amountCents } = c.req.valid("json");
      const wallet = await payments.deposit(
        { userId: c.var.jwtPayload.sub, amountCents },
        callOptions(c),
      );
      return c.json(wallet, 201);
    });
}
