/** GET /notifications (authenticated), a page at a time (`?limit=`, `?cursor=`). */
import { createRoute } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import { notificationsApi, pageQuery } from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../context.ts";
import { operation, routeGroup } from "../openapi.ts";

type Notifications = RpcClient<typeof notificationsApi.endpoints>;

const listNotifications = createRoute({
  method: "get",
  path: "/",
  request: { query: pageQuery },
  ...operation({
    summary: "The user's notifications, newest first, a page at a time (see `next`)",
    auth: true,
    ok: { status: 200, schema: notificationsApi.endpoints.listNotifications.reply },
    errors: [400],
  }),
});

export function notificationRoutes(
  notifications: Notifications,
  authenticated: MiddlewareHandler<GatewayEnv>,
) {
  const routes = routeGroup();
  routes.use(authenticated);
  routes.openapi(listNotifications, async (c) => {
    const userId = c.var.jwtPayload.sub;
    const page = c.req.valid("query");
    return c.json(
      await notifications.listNotifications({ userId, ...page }, callOptions(c)),
      200,
    );
  });
  return routes;
}
