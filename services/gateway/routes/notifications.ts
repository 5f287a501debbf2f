/** GET /notifications (authenticated), a page at a time (`?limit=`, `?cursor=`). */
import { Hono, type MiddlewareHandler } from "hono";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import { type notificationsApi, pageQuery } from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../context.ts";
import { validated } from "../validation.ts";

type Notifications = RpcClient<typeof notificationsApi.endpoints>;

export function notificationRoutes(
  notifications: Notifications,
  authenticated: MiddlewareHandler<GatewayEnv>,
) {
  return new Hono<GatewayEnv>()
    .use(authenticated)
    .get("/", validated("query", pageQuery), async (c) => {
      const userId = c.var.jwtPayload.sub;
      const page = c.req.valid("query");
      return c.json(await notifications.listNotifications({ userId, ...page }, callOptions(c)));
    });
}
