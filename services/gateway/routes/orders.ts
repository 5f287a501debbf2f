/** POST /orders, GET /orders, GET /orders/:id, GET /orders/:id/timeline (all authenticated). */
import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import {
  idempotencyKey,
  orderItems,
  type ordersApi,
  pageQuery,
  uuid,
} from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../context.ts";
import { problem } from "../problem.ts";
import { validated } from "../validation.ts";

type Orders = RpcClient<typeof ordersApi.endpoints>;

export const placeOrderBody = z.object({ items: orderItems });
const orderId = uuid;

export function orderRoutes(orders: Orders, authenticated: MiddlewareHandler<GatewayEnv>) {
  return new Hono<GatewayEnv>()
    .use(authenticated)
    .post("/", validated("json", placeOrderBody), async (c) => {
      const key = c.req.header("idempotency-key");
      if (key !== undefined && !idempotencyKey.safeParse(key).success) {
        return problem(c, 400, "Idempotency-Key must be 1 to 200 characters", { kind: "invalid" });
      }
      const placed = await orders.placeOrder({
        userId: c.var.jwtPayload.sub,
        items: c.req.valid("json").items,
        idempotencyKey: key,
      }, callOptions(c));
      c.header("Location", `/orders/${placed.orderId}`);
      return c.json({ orderId: placed.orderId, status: placed.status }, 201);
    })
    .get("/", validated("query", pageQuery), async (c) => {
      const page = c.req.valid("query");
      return c.json(
        await orders.listOrders({ userId: c.var.jwtPayload.sub, ...page }, callOptions(c)),
      );
    })
    .get("/:id", async (c) => {
      const id = c.req.param("id");
      if (!orderId.safeParse(id).success) return problem(c, 404, "no such order");
      const userId = c.var.jwtPayload.sub;
      return c.json(await orders.getOrder({ userId, orderId: id }, callOptions(c)));
    })
    .get("/:id/timeline", async (c) => {
      const id = c.req.param("id");
      if (!orderId.safeParse(id).success) return problem(c, 404, "no such order");
      const userId = c.var.jwtPayload.sub;
      return c.json(await orders.getTimeline({ userId, orderId: id }, callOptions(c)));
    });
}
