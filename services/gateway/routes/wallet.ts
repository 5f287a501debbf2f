/** GET /wallet, POST /wallet/deposits (authenticated). */
import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import { depositAmountCents, paymentsApi } from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../context.ts";
import { jsonRoute, operation, routeGroup } from "../openapi.ts";

type Payments = RpcClient<typeof paymentsApi.endpoints>;

export const depositBody = z.object({ amountCents: depositAmountCents });

const getWallet = createRoute({
  method: "get",
  path: "/",
  ...operation({
    summary: "The user's balance",
    auth: true,
    ok: { status: 200, schema: paymentsApi.endpoints.getWallet.reply },
  }),
});

const deposit = jsonRoute({
  method: "post",
  path: "/deposits",
  body: depositBody,
  summary: "Deposit money",
  auth: true,
  ok: { status: 201, schema: paymentsApi.endpoints.deposit.reply },
  errors: [400],
});

export function walletRoutes(payments: Payments, authenticated: MiddlewareHandler<GatewayEnv>) {
  const routes = routeGroup();
  routes.use(authenticated);
  routes.openapi(getWallet, async (c) => {
    return c.json(
      await payments.getWallet({ userId: c.var.jwtPayload.sub }, callOptions(c)),
      200,
    );
  });
  routes.openapi(deposit, async (c) => {
    const { amountCents } = c.req.valid("json");
    const wallet = await payments.deposit(
      { userId: c.var.jwtPayload.sub, amountCents },
      callOptions(c),
    );
    return c.json(wallet, 201);
  });
  return routes;
}
