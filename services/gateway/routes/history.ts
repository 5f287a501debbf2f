/**
 * GET /history (authenticated): the user's order history, from the history read model, a page
 * at a time (`?limit=`, `?cursor=`: shared/contracts/paging.ts), with totals over all of it.
 */
import { createRoute } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import { historyApi, pageQuery } from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../context.ts";
import { operation, routeGroup } from "../openapi.ts";

type History = RpcClient<typeof historyApi.endpoints>;

const orderHistory = createRoute({
  method: "get",
  path: "/",
  request: { query: pageQuery },
  ...operation({
    summary:
      "The user's order history, a page at a time, with totals over all of it (a read model built from events)",
    auth: true,
    ok: { status: 200, schema: historyApi.endpoints.orderHistory.reply },
    errors: [400],
  }),
});

export function historyRoutes(
  history: History,
  authenticated: MiddlewareHandler<GatewayEnv>,
) {
  const routes = routeGroup();
  routes.use(authenticated);
  routes.openapi(orderHistory, async (c) => {
    const userId = c.var.jwtPayload.sub;
    const page = c.req.valid("query");
    return c.json(await history.orderHistory({ userId, ...page }, callOptions(c)), 200);
  });
  return routes;
}
