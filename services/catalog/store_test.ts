import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { products } from "./db/schema.ts";
import { product } from "../../shared/contracts/mod.ts";
import { testDatabases } from "../../tests/harness/databases.ts";
import { findProduct, findProducts, listProducts } from "./store.ts";
import { seedCatalog, seedProducts } from "./seed.ts";

Deno.test("products repository", async (t) => {
  const databases = await testDatabases();
  const { db } = await databases.open("catalog");
  try {
    await t.step(`${databases.driver}: seeding twice leaves one of each product`, async () => {
      await seedCatalog(db);
      await seedCatalog(db);
      const all = await listProducts(db);
      assert.equal(all.length, seedProducts.length);
      assert.deepEqual(all.map((p) => p.sku), seedProducts.map((p) => p.sku).sort());
    });

    await t.step(`${databases.driver}: every product read is what the contract says`, async () => {
      // A bigint column read back as a number on both drivers, and within the contract's bounds.
      for (const read of await listProducts(db)) {
        assert.deepEqual(product.parse(read), read);
        assert.equal(typeof read.priceCents, "number");
      }
    });

    await t.step(`${databases.driver}: find by id, and by several ids`, async () => {
      const [first, second] = await listProducts(db);
      assert.deepEqual(await findProduct(db, first.id), first);
      assert.equal(await findProduct(db, crypto.randomUUID()), null);
      const found = await findProducts(db, [first.id, second.id, crypto.randomUUID()]);
      assert.deepEqual(found.map((p) => p.id).sort(), [first.id, second.id].sort());
    });

    await t.step(`${databases.driver}: the schema refuses stock below zero`, async () => {
      const [first] = await listProducts(db);
      await assert.rejects(() =>
        db.update(products).set({ stock: -1 }).where(eq(products.id, first.id))
      );
      assert.equal((await findProduct(db, first.id))?.available, first.available);
    });
  } finally {
    await databases.close();
  }
});
