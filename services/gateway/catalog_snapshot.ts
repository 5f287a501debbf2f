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
 * The share of the time left that a call to catalog may take when a stale copy could answer
 * instead: half. The other half is the fallback's reserve, so that the stale copy comes well
 * within the request's budget (2.5 s of the default 5 s) rather than after the call to catalog,
 * with its retries, used it all up (issue 17, class 9). Catalog answers a read in milliseconds
 * when it is well: half the budget is still hundreds of times that.
 */
export const freshShareWithFallback = 0.5;

/**
 * Answers from `fresh(deadline)`, remembering it; when that fails because catalog is away (not
 * because the answer is "no"), answers the snapshot instead, if it has one. With a snapshot to
 * fall back on, `fresh` is given `freshShareWithFallback` of the time left before `deadline`
 * (epoch ms); without one, all of it. Throws what `fresh` threw when there is no snapshot or
 * the failure is not transient: a product the snapshot lacks is catalog's `unavailable` (503),
 * never a "not found" from an old copy.
 */
export async function freshOrStale<T>(
  fresh: (deadline: number) => Promise<T>,
  remember: (value: T) => void,
  stale: () => { value: T; at: number } | null,
  deadline: number,
  now = Date.now(),
): Promise<{ value: T; staleSince?: number }> {
  const freshDeadline = stale()
    ? now + Math.max(0, deadline - now) * freshShareWithFallback
    : deadline;
  try {
    const value = await fresh(freshDeadline);
    remember(value);
    return { value };
  } catch (error) {
    const snapshot = isTransient(error) ? stale() : null;
    if (!snapshot) throw error;
    return { value: snapshot.value, staleSince: snapshot.at };
  }
}
