/** The products table, read as the contract's `Product`. */
import { asc, eq, sql } from "drizzle-orm";
import { statement } from "../../db/statement.ts";
import type { Database } from "../../db/client.ts";
import { products } from "../../db/catalog/schema.ts";
import { maxProducts, type Product } from "../../shared/contracts/mod.ts";

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

/** Built once (see db/statement.ts): every order's quote runs it. */
const productsByIds = statement(
  "catalog_products_by_ids",
  (db, p) => db.select(asProduct).from(products).where(sql`${products.id} = any(${p.ids}::uuid[])`),
);

export function findProducts(db: Database, ids: string[]): Promise<Product[]> {
  return productsByIds(db, { ids });
}
