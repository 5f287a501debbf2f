/**
 * The chaos run's load: a few users, each placing one order at a time (at most `rate` a second
 * in all) and waiting a moment for it to end before the next: a bounded number of sagas in
 * flight. The orders are of three kinds, each with the outcome it must have when nothing goes
 * wrong: paid and in stock (confirmed), more than the wallet holds (payment declined), more than
 * the stock (out of stock, after a charge that must be refunded). A placement that gets 503 or
 * 504 (a service down) is sent again with the same Idempotency-Key, as a careful client does.
 */
import {
  type Gateway,
  placeOrder,
  productBySku,
  signUp,
  type TestUser,
} from "../tests/harness/clients.ts";

/** What an order is meant to show. */
export type OrderKind = "success" | "decline" | "out_of_stock";

/** The products the load orders, as the catalog lists them at the start. */
export interface LoadProducts {
  /** Plenty of stock, cheap: the orders that should be confirmed. */
  plentiful: { id: string };
  /** Dear: enough of it is more than any wallet holds. */
  dear: { id: string };
  /** Scarce: asked for more than its stock, never reserved. */
  scarce: { id: string; available: number };
}

/** What the load did, for the report. */
export interface LoadResult {
  users: TestUser[];
  /** Each order that got its 201, and what kind it was. */
  placed: Map<string, OrderKind>;
  /** Placements given up after their retries (the order may exist all the same). */
  refused: number;
  /** Placements answered 503 or 504 and sent again. */
  retried: number;
}

export interface LoadOptions {
  /** Orders a second at most, over all users. */
  rate: number;
  /** Placing stops once this resolves. */
  stop: Promise<void>;
}

/** The skus of the load's products: the seed's dear hoodie and scarce lamp, and the run's own. */
export const loadSkus = { plentiful: "CHAOS-001", dear: "HDY-008", scarce: "LMP-012" } as const;

/** The users who shop and the products they order, made before any disruption starts. */
export interface Shoppers {
  users: TestUser[];
  products: LoadProducts;
}

/** Signs up `users` users and finds the load's products (see `loadSkus`). */
export async function prepareShoppers(gateway: Gateway, users: number): Promise<Shoppers> {
  return {
    products: {
      plentiful: await productBySku(gateway, loadSkus.plentiful),
      dear: await productBySku(gateway, loadSkus.dear),
      scarce: await productBySku(gateway, loadSkus.scarce),
    },
    users: await Promise.all(Array.from({ length: users }, () => signUp(gateway))),
  };
}

/** Places orders for every shopper until `options.stop`, then waits for the last to return. */
export async function runLoad(
  gateway: Gateway,
  { users, products }: Shoppers,
  options: LoadOptions,
): Promise<LoadResult> {
  const result: LoadResult = { users, placed: new Map(), refused: 0, retried: 0 };
  let stopped = false;
  options.stop.then(() => stopped = true);
  const interval = 1000 / options.rate;
  let nextSlot = Date.now();
  let count = 0;

  async function shop(user: TestUser) {
    while (!stopped) {
      // One slot per order across all users: the rate holds however many users there are.
      const wait = Math.max(0, nextSlot - Date.now());
      nextSlot = Math.max(nextSlot, Date.now()) + interval;
      await new Promise((r) => setTimeout(r, wait));
      if (stopped) return;
      const kind = kindOf(count++);
      const orderId = await place(gateway, user, itemsOf(kind, products), result);
      if (orderId) {
        result.placed.set(orderId, kind);
        await settled(gateway, user, orderId, 3_000);
      }
    }
  }
  await Promise.all(users.map(shop));
  return result;
}

/**
 * Seven in ten orders should succeed, two be declined, one run out of stock; each kind among the
 * first four, so even a run that places few orders has all three.
 */
function kindOf(n: number): OrderKind {
  const slot = n % 10;
  return slot === 1 || slot === 5 ? "decline" : slot === 3 ? "out_of_stock" : "success";
}

function itemsOf(kind: OrderKind, products: LoadProducts) {
  switch (kind) {
    case "success":
      return [{ productId: products.plentiful.id, quantity: 1 }];
    case "decline":
      // 1,000 hoodies: more than any wallet of the run opens with (see the run's balance).
      return [{ productId: products.dear.id, quantity: 1_000 }];
    case "out_of_stock":
      return [{ productId: products.scarce.id, quantity: products.scarce.available + 1 }];
  }
}

async function place(
  gateway: Gateway,
  user: TestUser,
  items: { productId: string; quantity: number }[],
  result: LoadResult,
): Promise<string | null> {
  const key = crypto.randomUUID();
  for (let attempt = 1; attempt <= 5; attempt++) {
    const response = await placeOrder(gateway, user, items, key).catch(() => null);
    if (response?.status === 201) return (await response.json()).orderId;
    await response?.body?.cancel();
    if (response && response.status !== 503 && response.status !== 504) break;
    result.retried++;
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
  result.refused++;
  return null;
}

/** Waits up to `timeoutMs` for the order to end; under chaos it may take longer, which is fine. */
async function settled(gateway: Gateway, user: TestUser, orderId: string, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const response = await gateway.request(`/orders/${orderId}`, { headers: user.headers })
      .catch(() => null);
    if (response?.status === 200 && (await response.json()).status !== "pending") return;
    await response?.body?.cancel().catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
  }
}
