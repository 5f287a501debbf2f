/** GET /history (authenticated): the user's order history, from the history read model. */
import { Hono, type MiddlewareHandler } from "hono";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import type { historyApi } from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../env.ts";

type History = RpcClient<typeof historyApi.endpoints>;

export function historyRoutes(
  history: History,
  authenticated: MiddlewareHandler<GatewayEnv>,
) {
  return new Hono<GatewayEnv>()
    .use(authenticated)
    .get("/", async (c) => {
      const userId = c.var.jwtPayload.sub;
      return c.json(await history.orderHistory({ userId }, callOptions(c)));
    });
}
