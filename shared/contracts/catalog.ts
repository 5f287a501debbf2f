/** What the catalog service serves. */
import * as z from "zod";
import { defineRpcService } from "./rpc.ts";
import { defineEvent, type StreamDefinition } from "./envelope.ts";
import { cents, text, uuid } from "./fields.ts";
import {
  maxErrorLength,
  maxNameLength,
  maxOrderLines,
  maxOrderTotalCents,
  maxPriceCents,
  maxProducts,
  maxQuantity,
  maxSkuLength,
  maxStock,
} from "./limits.ts";

/**
 * A product as the catalog serves it: id, SKU, name, unit price in cents (at most `maxPriceCents`)
 * and the units available now (0 to `maxStock`).
 */
export const product = z.object({
  id: uuid,
  sku: text(maxSkuLength),
  name: text(maxNameLength),
  priceCents: cents(maxPriceCents),
  available: z.number().int().nonnegative().max(maxStock),
});
/** A product as `product` describes it. */
export type Product = z.infer<typeof product>;

/** How many of a product: 1 to `maxQuantity`. */
export const quantity = z.number().int().min(1).max(maxQuantity);

/** One line of an order as a client asks for it: a product and how many. */
export const orderItem = z.object({ productId: uuid, quantity });

/** An order line with the unit price, in cents, the catalog quoted for it. */
export const quotedItem = orderItem.extend({ unitPriceCents: cents(maxPriceCents) });

/** The lines of one order: 1 to `maxOrderLines`. */
export const orderItems = z.array(orderItem).min(1).max(maxOrderLines);

/** What an order costs: the sum of its lines, at most `maxOrderTotalCents`. */
export const orderTotalCents = cents(maxOrderTotalCents);

/**
 * The catalog service's endpoints, all idempotent: `listProducts` (at most `maxProducts`),
 * `getProduct` (`not_found` for an unknown id) and `quote`.
 */
export const catalogApi = defineRpcService("catalog", {
  listProducts: {
    request: z.object({}),
    reply: z.object({ items: z.array(product).max(maxProducts) }),
    idempotent: true,
  },
  getProduct: {
    request: z.object({ productId: uuid }),
    reply: product,
    idempotent: true,
  },
  /** Prices for items; `invalid` naming the unknown product ids when some do not exist. */
  quote: {
    request: z.object({ items: orderItems }),
    reply: z.object({
      items: z.array(quotedItem).max(maxOrderLines),
      totalCents: orderTotalCents,
    }),
    idempotent: true,
  },
});

/**
 * A product's line of a reservation: the lines of an order naming that product added up, so up
 * to `maxOrderLines` x `maxQuantity`.
 */
const stockItem = z.object({
  productId: uuid,
  quantity: z.number().int().positive().max(maxOrderLines * maxQuantity),
});
const stockItems = z.array(stockItem).max(maxOrderLines);

/** `catalog.stock.reserved` v1: the order's stock is held for it (orders confirms it). */
export const stockReserved = defineEvent(
  "catalog.stock.reserved",
  1,
  z.object({ orderId: uuid, userId: uuid, items: stockItems }),
  { orderingKey: (data) => `user:${data.userId}` },
);

/**
 * `catalog.stock.rejected` v1: some line could not be reserved, nothing was held (payments refunds
 * the charge).
 */
export const stockRejected = defineEvent(
  "catalog.stock.rejected",
  1,
  z.object({
    orderId: uuid,
    userId: uuid,
    /** The lines that could not be reserved, with what was left. */
    shortages: z.array(
      stockItem.extend({ available: z.number().int().nonnegative().max(maxStock) }),
    )
      .max(maxOrderLines),
  }),
  { orderingKey: (data) => `user:${data.userId}` },
);

/** `catalog.stock.released` v1: a cancelled order's reservation went back to stock. */
export const stockReleased = defineEvent(
  "catalog.stock.released",
  1,
  // userId: as every fact of an order, so consumers keep one user's facts in order. Optional:
  // the first releases were published without it.
  z.object({ orderId: uuid, userId: uuid.optional(), items: stockItems }),
  // The first releases name no user: those go by their order alone.
  { orderingKey: (data) => data.userId ? `user:${data.userId}` : `order:${data.orderId}` },
);

/**
 * `catalog.release.failed` v1: a release (a compensation) failed on every delivery and its event
 * went to the dead letters; the stock is still held until an operator retries it (orders marks
 * the saga `compensation_failed`). `error` is the last failure, for the operator.
 */
export const releaseFailed = defineEvent(
  "catalog.release.failed",
  1,
  z.object({ orderId: uuid, userId: uuid, error: text(maxErrorLength) }),
  { orderingKey: (data) => `user:${data.userId}` },
);

/** The catalog service's stream, `CATALOG`, on `catalog.>`. */
export const catalogStream: StreamDefinition = { name: "CATALOG", subjects: ["catalog.>"] };
