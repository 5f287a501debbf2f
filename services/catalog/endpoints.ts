/** What the catalog service answers over NATS: list, get, quote. */
import type { Database } from "../../shared/db/client.ts";
import type { RpcHandlers } from "../../shared/bus/mod.ts";
import type { catalogApi } from "../../shared/contracts/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";
import { quoteItems } from "./domain.ts";
import { findProduct, findProducts, listProducts } from "./store.ts";

export function catalogEndpoints(db: Database): RpcHandlers<typeof catalogApi.endpoints> {
  return {
    listProducts: async () => ({ items: await listProducts(db) }),

    getProduct: async ({ productId }) => {
      const product = await findProduct(db, productId);
      if (!product) throw new ServiceError("not_found", "no such product");
      return product;
    },

    quote: async ({ items }) => {
      const ids = [...new Set(items.map((item) => item.productId))];
      return quoteItems(await findProducts(db, ids), items);
    },
  };
}
