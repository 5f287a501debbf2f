/** What orders answers over NATS: place an order, read orders and their timelines. */
import type { Database } from "../../shared/db/client.ts";
import type { RpcClient } from "../../shared/bus/mod.ts";
import { type catalogApi, type ordersApi, pageAsked } from "../../shared/contracts/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";
import type { EndpointHandlers } from "../../shared/runtime/mod.ts";
import { requestFingerprint, sagaDeadline } from "./domain.ts";
import { findByKey, findOrder, listOrders, placeOrder, timelineOf } from "./store.ts";

export interface OrdersEndpointDeps {
  db: Database;
  catalog: RpcClient<typeof catalogApi.endpoints>;
  /** How long an order's saga may take, in ms, from its placement (`SAGA_DEADLINE_MS`). */
  sagaDeadlineMs: number;
}

export function ordersEndpoints(
  { db, catalog, sagaDeadlineMs }: OrdersEndpointDeps,
): EndpointHandlers<typeof ordersApi.endpoints> {
  async function earlierOrder(userId: string, orderId: string, fingerprint: string, sent: string) {
    if (fingerprint !== sent) {
      throw new ServiceError("unprocessable", "this Idempotency-Key was used with other items");
    }
    const order = await findOrder(db, userId, orderId);
    return { orderId, status: order?.status ?? "pending" };
  }

  return {
    placeOrder: async ({ userId, items, idempotencyKey }, ctx) => {
      const fingerprint = requestFingerprint(items);
      if (idempotencyKey) {
        const earlier = await findByKey(db, userId, idempotencyKey);
        if (earlier) return earlierOrder(userId, earlier.orderId, earlier.requestHash, fingerprint);
      }
      const quote = await catalog.quote({ items }, {
        correlationId: ctx.correlationId,
        deadline: ctx.deadline,
      });
      const order = {
        userId,
        items: quote.items,
        totalCents: quote.totalCents,
        deadlineAt: sagaDeadline(new Date(), sagaDeadlineMs),
        idempotency: idempotencyKey ? { key: idempotencyKey, fingerprint } : undefined,
      };
      // One statement writes the order and its event: one round trip, no BEGIN and COMMIT.
      const result = await ctx.transaction(
        ({ tx, publish }) => placeOrder(tx, order, publish),
        { singleStatement: true },
      );
      if (!result.placed) {
        return earlierOrder(userId, result.orderId, result.fingerprint, fingerprint);
      }
      ctx.log.info("order placed", { orderId: result.orderId, totalCents: quote.totalCents });
      return { orderId: result.orderId, status: "pending" };
    },

    getOrder: async ({ userId, orderId }) => {
      const order = await findOrder(db, userId, orderId);
      if (!order) throw new ServiceError("not_found", "no such order");
      return order;
    },

    listOrders: ({ userId, ...page }) => listOrders(db, userId, pageAsked(page)),

    getTimeline: async ({ userId, orderId }) => {
      if (!(await findOrder(db, userId, orderId))) {
        throw new ServiceError("not_found", "no such order");
      }
      const steps = await timelineOf(db, orderId);
      return {
        items: steps.map((step, i) => ({
          at: step.at.toISOString(),
          type: step.type,
          source: step.source,
          service: step.source,
          durationMs: i === 0 ? 0 : Math.max(0, step.at.getTime() - steps[i - 1].at.getTime()),
        })),
      };
    },
  };
}
