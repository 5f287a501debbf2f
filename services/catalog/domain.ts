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

export interface StockLine {
  productId: string;
  quantity: number;
}

/** One line per product, quantities added up: an order may name a product twice. */
export function mergeLines(lines: readonly StockLine[]): StockLine[] {
  const merged = new Map<string, number>();
  for (const line of lines) {
    merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
  }
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

/** The lines the stock cannot cover, with what is left; empty when all of them fit. */
export function findShortages(
  stock: ReadonlyMap<string, number>,
  lines: readonly StockLine[],
): (StockLine & { available: number })[] {
  return mergeLines(lines)
    .map((line) => ({ ...line, available: stock.get(line.productId) ?? 0 }))
    .filter((line) => line.quantity > line.available);
}
