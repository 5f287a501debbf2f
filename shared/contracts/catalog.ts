/** What the catalog service serves. */
import { z } from "zod";
import { defineRpcService } from "./rpc.ts";
import { defineEvent, type StreamDefinition } from "./envelope.ts";

export const product = z.object({
  id: z.uuid(),
  sku: z.string(),
  name: z.string(),
  priceCents: z.number().int().nonnegative(),
  available: z.number().int().nonnegative(),
});
export type Product = z.infer<typeof product>;

export const orderItem = z.object({
  productId: z.uuid(),
  quantity: z.number().int().min(1).max(1000),
});

export const quotedItem = orderItem.extend({ unitPriceCents: z.number().int().nonnegative() });

export const catalogApi = defineRpcService("catalog", {
  listProducts: {
    request: z.object({}),
    reply: z.object({ items: z.array(product) }),
    idempotent: true,
  },
  getProduct: {
    request: z.object({ productId: z.uuid() }),
    reply: product,
    idempotent: true,
  },
  /** Prices for items; `invalid` naming the unknown product ids when some do not exist. */
  quote: {
    request: z.object({ items: z.array(orderItem).min(1).max(100) }),
    reply: z.object({ items: z.array(quotedItem), totalCents: z.number().int().nonnegative() }),
    idempotent: true,
  },
});

const stockItem = z.object({ productId: z.uuid(), quantity: z.number().int().positive() });

export const stockReserved = defineEvent(
  "catalog.stock.reserved",
  1,
  z.object({ orderId: z.uuid(), userId: z.uuid(), items: z.array(stockItem) }),
);

export const stockRejected = defineEvent(
  "catalog.stock.rejected",
  1,
  z.object({
    orderId: z.uuid(),
    userId: z.uuid(),
    /** The lines that could not be reserved, with what was left. */
    shortages: z.array(stockItem.extend({ available: z.number().int().nonnegative() })),
  }),
);

export const stockReleased = defineEvent(
  "catalog.stock.released",
  1,
  // userId: as every fact of an order, so consumers keep one user's facts in order. Optional:
  // the first releases were published without it.
  z.object({ orderId: z.uuid(), userId: z.uuid().optional(), items: z.array(stockItem) }),
);

export const catalogStream: StreamDefinition = { name: "CATALOG", subjects: ["catalog.>"] };
