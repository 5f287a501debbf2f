/** Stock reservations: all lines of an order or none, and their release. */
import { asc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { products, reservationLines, reservations } from "../../db/catalog/schema.ts";
import { findShortages, mergeLines, type StockLine } from "./domain.ts";

export type ReserveResult =
  | { reserved: true; lines: StockLine[] }
  | { reserved: false; shortages: (StockLine & { available: number })[] };

export async function reserveStock(
  tx: Database,
  orderId: string,
  lines: StockLine[],
): Promise<ReserveResult> {
  const merged = mergeLines(lines);
  const ids = merged.map((line) => line.productId).sort();
  // Row locks taken in id order: two orders for the same products cannot deadlock.
  const rows = await tx.select({ id: products.id, stock: products.stock }).from(products)
    .where(inArray(products.id, ids)).orderBy(asc(products.id)).for("update");
  const shortages = findShortages(new Map(rows.map((row) => [row.id, row.stock])), merged);
  if (shortages.length > 0) return { reserved: false, shortages };
  // Sent together, one round trip (see "Pipelined statements"); Postgres runs them in this
  // order, so the reservation exists before its lines.
  await Promise.all([
    ...merged.sort((a, b) => a.productId.localeCompare(b.productId)).map((line) =>
      tx.update(products).set({ stock: sql`${products.stock} - ${line.quantity}` })
        .where(eq(products.id, line.productId))
    ),
    tx.insert(reservations).values({ orderId, status: "reserved" }),
    tx.insert(reservationLines).values(merged.map((line) => ({ orderId, ...line }))),
  ]);
  return { reserved: true, lines: merged };
}

/** Puts a reservation's stock back, once. Null when there was none or it was released. */
export async function releaseStock(tx: Database, orderId: string): Promise<StockLine[] | null> {
  const [released] = await tx.update(reservations)
    .set({ status: "released", updatedAt: new Date() })
    .where(sql`${reservations.orderId} = ${orderId} and ${reservations.status} = 'reserved'`)
    .returning({ orderId: reservations.orderId });
  if (!released) return null;
  const lines = await tx.select({
    productId: reservationLines.productId,
    quantity: reservationLines.quantity,
  }).from(reservationLines).where(eq(reservationLines.orderId, orderId))
    // In id order, as reservations lock them: a release and a reservation cannot deadlock.
    .orderBy(asc(reservationLines.productId));
  for (const line of lines) {
    await tx.update(products).set({ stock: sql`${products.stock} + ${line.quantity}` })
      .where(eq(products.id, line.productId));
  }
  return lines;
}
