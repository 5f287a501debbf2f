/** POST /orders, GET /orders, GET /orders/:id, GET /orders/:id/timeline (all authenticated). */
import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import {
  idempotencyKey,
  orderItems,
  ordersApi,
  pageQuery,
  uuid,
} from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../context.ts";
import { idParams, jsonRoute, operation, routeGroup } from "../openapi.ts";
import { problem } from "../problem.ts";

type Orders = RpcClient<typeof ordersApi.endpoints>;

export const placeOrderBody = z.object({ items: orderItems });
const orderId = uuid;

const placeOrder = jsonRoute({
  method: "post",
  path: "/",
  body: placeOrderBody,
  request: {
    // Documented only: any string passes here; the handler answers a bad key (400 invalid).
    headers: z.object({
      "Idempotency-Key": z.string().optional().meta({
        description: "the same key and items answer the same order",
        maxLength: 200,
      }),
    }),
  },
  summary: "Place an order: pending at once; the saga confirms or cancels it",
  auth: true,
  ok: { status: 201, schema: ordersApi.endpoints.placeOrder.reply },
  errors: [400, 422],
});

const listOrders = createRoute({
  method: "get",
  path: "/",
  request: { query: pageQuery },
  ...operation({
    summary: "The user's orders, newest first, a page at a time (see `next`)",
    auth: true,
    ok: { status: 200, schema: ordersApi.endpoints.listOrders.reply },
    errors: [400],
  }),
});

const getOrder = createRoute({
  method: "get",
  path: "/{id}",
  request: { params: idParams },
  ...operation({
    summary: "One of the user's orders",
    auth: true,
    ok: { status: 200, schema: ordersApi.endpoints.getOrder.reply },
    errors: [404],
  }),
});

const getTimeline = createRoute({
  method: "get",
  path: "/{id}/timeline",
  request: { params: idParams },
  ...operation({
    summary: "Every saga step of the order, in order",
    auth: true,
    ok: { status: 200, schema: ordersApi.endpoints.getTimeline.reply },
    errors: [404],
  }),
});

export function orderRoutes(orders: Orders, authenticated: MiddlewareHandler<GatewayEnv>) {
  const routes = routeGroup();
  routes.use(authenticated);
  routes.openapi(placeOrder, async (c) => {
    const key = c.req.header("idempotency-key");
    if (key !== undefined && !idempotencyKey.safeParse(key).success) {
      return problem(c, 400, "Idempotency-Key must be 1 to 200 characters", { kind: "invalid" });
    }
    const placed = await orders.placeOrder({
      userId: c.var.jwtPayload.sub,
      items: c.req.valid("json").items,
      idempotencyKey: key,
      // With a key a repeat answers the same order: safe to retry as a read is.
    }, { ...callOptions(c), idempotent: key !== undefined });
    c.header("Location", `/orders/${placed.orderId}`);
    return c.json({ orderId: placed.orderId, status: placed.status }, 201);
  });
  routes.openapi(listOrders, async (c) => {
    const page = c.req.valid("query");
    return c.json(
      await orders.listOrders({ userId: c.var.jwtPayload.sub, ...page }, callOptions(c)),
      200,
    );
  });
  routes.openapi(getOrder, async (c) => {
    const id = c.req.param("id");
    if (!orderId.safeParse(id).success) return problem(c, 404, "no such order");
    const userId = c.var.jwtPayload.sub;
    return c.json(await orders.getOrder({ userId, orderId: id }, callOptions(c)), 200);
  });
  routes.openapi(getTimeline, async (c) => {
    const id = c.req.param("id");
    if (!orderId.safeParse(id).success) return problem(c, 404, "no such order");
    const userId = c.var.jwtPayload.sub;
    return c.json(await orders.getTimeline({ userId, orderId: id }, callOptions(c)), 200);
  });
  return routes;
}
