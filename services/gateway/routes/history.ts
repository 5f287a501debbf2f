/**
 * GET /history (authenticated): the user's order history, from the history read model, a page
 * at a time (`?limit=`, `?cursor=`: shared/contracts/paging.ts), with totals over all of it.
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import { type historyApi, pageQuery } from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../context.ts";
import { validated } from "../validation.ts";

type History = RpcClient<typeof historyApi.endpoints>;

export function historyRoutes(
  history: History,
  authenticated: MiddlewareHandler<GatewayEnv>,
) {
  return new Hono<GatewayEnv>()
    .use(authenticated)
    .get("/", validated("query", pageQuery), async (c) => {
      const userId = c.var.jwtPayload.sub;
      const page = c.req.valid("query");
      return c.json(await history.orderHistory({ userId, ...page }, callOptions(c)));
    });
}
