import assert from "node:assert/strict";
import { catalogApi } from "../../shared/contracts/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";
import { findShortages, mergeLines, quoteItems } from "./domain.ts";

const products = [{ id: "a", priceCents: 1200 }, { id: "b", priceCents: 250 }];

Deno.test("quote: every line at its product's price, and the total", () => {
  const quote = quoteItems(products, [
    { productId: "a", quantity: 2 },
    { productId: "b", quantity: 3 },
  ]);
  assert.deepEqual(quote.items, [
    { productId: "a", quantity: 2, unitPriceCents: 1200 },
    { productId: "b", quantity: 3, unitPriceCents: 250 },
  ]);
  assert.equal(quote.totalCents, 2 * 1200 + 3 * 250);
});

Deno.test("quote: unknown products are `invalid`, each named once", () => {
  assert.throws(
    () =>
      quoteItems(products, [
        { productId: "x", quantity: 1 },
        { productId: "a", quantity: 1 },
        { productId: "x", quantity: 2 },
      ]),
    (error: unknown) => {
      assert.ok(error instanceof ServiceError);
      assert.equal(error.kind, "invalid");
      assert.deepEqual(error.details, { unknownProductIds: ["x"] });
      return true;
    },
  );
});

Deno.test("shortages: none when every line fits, counting a product named twice once", () => {
  const stock = new Map([["a", 3], ["b", 1]]);
  assert.deepEqual(mergeLines([{ productId: "a", quantity: 1 }, { productId: "a", quantity: 2 }]), [
    { productId: "a", quantity: 3 },
  ]);
  assert.deepEqual(
    findShortages(stock, [{ productId: "a", quantity: 1 }, { productId: "a", quantity: 2 }]),
    [],
  );
  assert.deepEqual(
    findShortages(stock, [{ productId: "a", quantity: 2 }, { productId: "a", quantity: 2 }]),
    [{ productId: "a", quantity: 4, available: 3 }],
  );
});

Deno.test("shortages: an unknown product has nothing available", () => {
  assert.deepEqual(findShortages(new Map(), [{ productId: "x", quantity: 1 }]), [
    { productId: "x", quantity: 1, available: 0 },
  ]);
});

Deno.test("quote: an upper-case product id names the same product (ids come lower-cased)", () => {
  // The catalog stores and returns ids in lower case (Postgres uuid); a client may write them in
  // upper case, which the contract lower-cases before the domain compares them as text.
  const id = "01a22acb-e64b-777c-bfb4-35e9dcec3bea";
  const request = catalogApi.endpoints.quote.request.parse({
    items: [{ productId: id.toUpperCase(), quantity: 2 }],
  });
  const quote = quoteItems([{ id, priceCents: 700 }], request.items);
  assert.deepEqual(quote.items, [{ productId: id, quantity: 2, unitPriceCents: 700 }]);
  assert.equal(quote.totalCents, 1400);
});
