/**
 * The catalog's tables: products, read as the contract's `Product`, and stock reservations (all
 * lines of an order or none, and their release). The rules they apply live in domain.ts.
 */
import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "../../shared/db/client.ts";
import { statement } from "../../shared/db/statement.ts";
import { products, reservationLines, reservations } from "./db/schema.ts";
import { maxProducts, type Product } from "../../shared/contracts/mod.ts";
import { findShortages, mergeLines, type StockLine } from "./domain.ts";
import { awaitAtCommit } from "../../shared/db/transaction.ts";

const asProduct = {
  id: products.id,
  sku: products.sku,
  name: products.name,
  priceCents: products.priceCents,
  available: products.stock,
};

/** The products by SKU, the first `maxProducts` of them (what one reply may carry). */
export function listProducts(db: Database): Promise<Product[]> {
  return db.select(asProduct).from(products).orderBy(asc(products.sku)).limit(maxProducts);
}

export async function findProduct(db: Database, id: string): Promise<Product | null> {
  const [product] = await db.select(asProduct).from(products).where(eq(products.id, id));
  return product ?? null;
}

/** Built once (see shared/db/statement.ts): every order's quote runs it. */
const productsByIds = statement(
  "catalog_products_by_ids",
  (db, p) => db.select(asProduct).from(products).where(sql`${products.id} = any(${p.ids}::uuid[])`),
);

export function findProducts(db: Database, ids: string[]): Promise<Product[]> {
  return productsByIds(db, { ids });
}

export type StockCheck =
  | { covered: true; lines: StockLine[] }
  | { covered: false; shortages: (StockLine & { available: number })[] };

// The statements of the saga's hot path, built once (see shared/db/statement.ts). Products go in as
// arrays, so one statement serves an order of any length.
const lockProducts = statement(
  "catalog_lock_products",
  (db, p) =>
    db.select({ id: products.id, stock: products.stock }).from(products)
      .where(sql`${products.id} = any(${p.ids}::uuid[])`)
      // Row locks taken in id order: two orders for the same products cannot deadlock.
      .orderBy(asc(products.id)).for("update"),
);
// Takes the stock and records the reservation with its lines, in one statement: its parts run
// on the same snapshot, and the lines' reference to the reservation is checked at its end.
const takeAndReserve = statement("catalog_take_and_reserve", (db, p) => {
  const wanted = sql`unnest(${p.ids}::uuid[], ${p.quantities}::int[]) as wanted(id, quantity)`;
  const taken = db.$with("taken").as(
    db.update(products).set({ stock: sql`${products.stock} - wanted.quantity` }).from(wanted)
      .where(sql`${products.id} = wanted.id`).returning({ id: products.id }),
  );
  const reservation = db.$with("reservation").as(
    db.insert(reservations).values({ orderId: p.orderId, status: "reserved" })
      .returning({ orderId: reservations.orderId }),
  );
  return db.with(taken, reservation).insert(reservationLines)
    .select(sql`select ${p.orderId}::uuid, id, quantity from ${wanted}`);
});

/**
 * The stock of the products a transaction has locked. Nobody else can change it until that
 * transaction ends, and within it only `holdStock` and `releaseStock` do, which keep it here:
 * the later events of a batch decide on it without reading the rows again. (A catalog batch
 * runs its events one after another, never side by side.)
 */
const lockedStock = new WeakMap<Database, Map<string, number>>();

/**
 * Locks the order's products (until `tx`, a transaction, ends) and says whether their stock
 * covers it. Nothing is taken yet: `holdStock` does that, so the caller can send it together with
 * the event that states the outcome (docs/database.md, "Pipelined statements").
 */
export async function checkStock(tx: Database, lines: StockLine[]): Promise<StockCheck> {
  const merged = mergeLines(lines).sort((a, b) => a.productId.localeCompare(b.productId));
  const stock = lockedStock.get(tx) ?? new Map<string, number>();
  const unlocked = merged.map((line) => line.productId).filter((id) => !stock.has(id));
  if (unlocked.length > 0) {
    for (const row of await lockProducts(tx, { ids: unlocked })) stock.set(row.id, row.stock);
    lockedStock.set(tx, stock);
  }
  const shortages = findShortages(stock, merged);
  return shortages.length > 0 ? { covered: false, shortages } : { covered: true, lines: merged };
}

/**
 * Takes the stock `checkStock` found covered and records the reservation of the order. The
 * stock is known to cover it, so nothing reads the answer: in a `transaction` it goes with the
 * commit (shared/db/transaction.ts).
 */
export async function holdStock(tx: Database, orderId: string, lines: StockLine[]) {
  adjustLocked(tx, lines, -1);
  await awaitAtCommit(tx, () =>
    takeAndReserve(tx, {
      orderId,
      ids: lines.map((line) => line.productId),
      quantities: lines.map((line) => line.quantity),
    }));
}

/** Keeps the stock this transaction locked in step with what it changed. */
function adjustLocked(tx: Database, lines: StockLine[], sign: 1 | -1) {
  const stock = lockedStock.get(tx);
  for (const line of lines) {
    const known = stock?.get(line.productId);
    if (known !== undefined) stock!.set(line.productId, known + sign * line.quantity);
  }
}

/**
 * Whether the order has a reservation row: reserved, released, or the tombstone of an order
 * cancelled before its stock was reserved. A charge of such an order is not reserved (again).
 */
export async function hasReservation(tx: Database, orderId: string): Promise<boolean> {
  const [found] = await reservationOf(tx, { orderId });
  return found !== undefined;
}

/**
 * Whether the order's reservation is still to be put back (reserved, not released): what a
 * release given up on leaves held. An order with no reservation row gets its tombstone here, as
 * the release would have written it, so a late charge reserves nothing; then, as for one released
 * before, nothing is owed.
 */
export async function releaseOwed(tx: Database, orderId: string): Promise<boolean> {
  const [found] = await reservationOf(tx, { orderId });
  if (found) return found.status === "reserved";
  await tx.insert(reservations).values({ orderId, status: "released" }).onConflictDoNothing();
  // A reservation written meanwhile won over the tombstone: then it is what is owed.
  const [now] = await reservationOf(tx, { orderId });
  return now?.status === "reserved";
}

const reservationOf = statement(
  "catalog_reservation_of",
  (db, p) =>
    db.select({ status: reservations.status }).from(reservations)
      .where(eq(reservations.orderId, p.orderId)),
);

/**
 * Puts a cancelled order's reservation back in stock, once: its lines, or null when there was
 * nothing to put back (it was released before, or never reserved). An order never reserved gets a
 * tombstone, a released reservation without lines, so its stock can never be reserved later.
 */
export async function releaseStock(tx: Database, orderId: string): Promise<StockLine[] | null> {
  // The tombstone, unless a reservation exists: one being written waits here for its commit.
  const [tombstone] = await tx.insert(reservations).values({ orderId, status: "released" })
    .onConflictDoNothing().returning({ orderId: reservations.orderId });
  if (tombstone) return null;
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
  adjustLocked(tx, lines, 1);
  return lines;
}
