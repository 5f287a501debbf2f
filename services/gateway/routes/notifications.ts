/** GET /notifications (authenticated). */
import { Hono, type MiddlewareHandler } from "hono";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import type { notificationsApi } from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../env.ts";

type Notifications = RpcClient<typeof notificationsApi.endpoints>;

export function notificationRoutes(
  notifications: Notifications,
  authenticated: MiddlewareHandler<GatewayEnv>,
) {
  return new Hono<GatewayEnv>()
    .use(authenticated)
    .get("/", async (c) => {
      const userId = c.var.jwtPayload.sub;
      return c.json(await notifications.listNotifications({ userId }, callOptions(c)));
    });
}
