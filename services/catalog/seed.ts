/** The products a fresh catalog starts with, so the stack is usable on its first start. */
import { v7 as uuidv7 } from "uuid";
import type { Database } from "../../shared/db/client.ts";
import { products } from "./db/schema.ts";

export const seedProducts = [
  { sku: "MUG-001", name: "Enamel camp mug", priceCents: 1200, stock: 40 },
  { sku: "TEE-002", name: "Organic cotton tee", priceCents: 2500, stock: 60 },
  { sku: "CAP-003", name: "Five-panel cap", priceCents: 1900, stock: 30 },
  { sku: "BAG-004", name: "Canvas tote bag", priceCents: 1500, stock: 50 },
  { sku: "NTB-005", name: "Dot-grid notebook", priceCents: 900, stock: 80 },
  { sku: "PEN-006", name: "Brass pen", priceCents: 3200, stock: 25 },
  { sku: "STK-007", name: "Sticker pack", priceCents: 400, stock: 200 },
  { sku: "HDY-008", name: "Heavyweight hoodie", priceCents: 5900, stock: 20 },
  { sku: "SCK-009", name: "Merino socks", priceCents: 1600, stock: 45 },
  { sku: "BTL-010", name: "Steel water bottle", priceCents: 2800, stock: 35 },
  { sku: "PIN-011", name: "Enamel pin", priceCents: 700, stock: 120 },
  { sku: "LMP-012", name: "Desk lamp", priceCents: 7400, stock: 10 },
] as const;

/** Inserts the seed products that are missing; safe for several instances at once. */
export async function seedCatalog(db: Database): Promise<void> {
  await db.insert(products).values(seedProducts.map((p) => ({ id: uuidv7(), ...p })))
    .onConflictDoNothing({ target: products.sku });
}
