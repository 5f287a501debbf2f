/**
 * The last good catalog the gateway saw, so product reads survive catalog being down: served
 * with `x-stale: true` and an `Age`, never passed off as fresh.
 */
import type { Product } from "../../shared/contracts/mod.ts";
import { isTransient } from "../../shared/resilience/mod.ts";

export class CatalogSnapshot {
  #list: { items: Product[]; at: number } | null = null;
  readonly #products = new Map<string, { product: Product; at: number }>();

  rememberList(items: Product[], now = Date.now()) {
    this.#list = { items, at: now };
    for (const product of items) this.#products.set(product.id, { product, at: now });
  }

  rememberProduct(product: Product, now = Date.now()) {
    this.#products.set(product.id, { product, at: now });
  }

  list() {
    return this.#list;
  }

  product(id: string) {
    return this.#products.get(id) ?? null;
  }
}

/**
 * Answers from `fresh()`, remembering it; when that fails because catalog is away (not
 * because the answer is "no"), answers the snapshot instead, if it has one.
 */
export async function freshOrStale<T>(
  fresh: () => Promise<T>,
  remember: (value: T) => void,
  stale: () => { value: T; at: number } | null,
): Promise<{ value: T; staleSince?: number }> {
  try {
    const value = await fresh();
    remember(value);
    return { value };
  } catch (error) {
    const snapshot = isTransient(error) ? stale() : null;
    if (!snapshot) throw error;
    return { value: snapshot.value, staleSince: snapshot.at };
  }
}
