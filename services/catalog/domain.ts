/** Catalog rules, pure: pricing a list of items. */
import { ServiceError } from "../../shared/errors/mod.ts";

export interface PricedProduct {
  id: string;
  priceCents: number;
}

export interface QuoteLine {
  productId: string;
  quantity: number;
}

export interface Quote {
  items: (QuoteLine & { unitPriceCents: number })[];
  totalCents: number;
}

/** Prices every line at the product's current price; `invalid` naming any unknown product. */
export function quoteItems(products: readonly PricedProduct[], lines: readonly QuoteLine[]): Quote {
  const prices = new Map(products.map((p) => [p.id, p.priceCents]));
  const unknown = [...new Set(lines.map((l) => l.productId).filter((id) => !prices.has(id)))];
  if (unknown.length > 0) {
    throw new ServiceError("invalid", "some products do not exist", {
      unknownProductIds: unknown,
    });
  }
  const items = lines.map((line) => ({ ...line, unitPriceCents: prices.get(line.productId)! }));
  const totalCents = items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
  return { items, totalCents };
}
