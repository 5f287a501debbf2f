/**
 * A bounded load of orders, as well-behaved clients place them: each order with an
 * `Idempotency-Key`, sent again with the same key after a 5xx or a dropped connection, so an
 * order is placed once however often it is sent. What came back is counted, 5xx included, for a
 * test to hold the platform to "no 5xx" or only to "nothing lost, nothing doubled".
 */
import assert from "node:assert/strict";
import { type Gateway, placeOrder, settledOrder, type TestUser } from "./clients.ts";
import type { Order } from "../../shared/contracts/mod.ts";

export interface PlacedOrder {
  user: TestUser;
  orderId: string;
}

export interface LoadResult {
  /** Every order the load placed, once each (a repeat with its key answers the same order). */
  placed: PlacedOrder[];
  /** Answers by status (`0`: the request failed without one), each try counted. */
  answers: Map<number, number>;
}

export interface OrderLoadOptions {
  /** How many orders each user places, one after the other. */
  perUser: number;
  /** Given: each user goes on placing orders (`perUser` at least) until it answers false. */
  until?: () => boolean;
  /** The items of every order. */
  items: { productId: string; quantity: number }[];
  /** The pause between one user's orders, in ms (default 50). */
  pauseMs?: number;
  /** Tries of one order before the load fails (default 40, a try every 250 ms at most). */
  tries?: number;
}

/** Places `perUser` orders for each of `users`, the users side by side; see the module. */
export async function placeOrders(
  gateway: Gateway,
  users: TestUser[],
  { perUser, items, pauseMs = 50, tries = 40, until }: OrderLoadOptions,
): Promise<LoadResult> {
  const answers = new Map<number, number>();
  const count = (status: number) => answers.set(status, (answers.get(status) ?? 0) + 1);
  const placeOne = async (user: TestUser): Promise<PlacedOrder> => {
    const key = crypto.randomUUID();
    for (let attempt = 1;; attempt++) {
      const res = await placeOrder(gateway, user, items, key).catch(() => null);
      count(res?.status ?? 0);
      if (res?.status === 201) return { user, orderId: (await res.json()).orderId };
      const text = await res?.text();
      if (res && res.status < 500) assert.fail(`POST /orders: ${res.status} ${text}`);
      if (attempt === tries) assert.fail(`POST /orders: still ${res?.status ?? "no answer"}`);
      await new Promise((r) => setTimeout(r, Math.min(250, 25 * attempt)));
    }
  };
  const perUserOrders = await Promise.all(users.map(async (user) => {
    const placed: PlacedOrder[] = [];
    for (let i = 0; i < perUser || (until && !until()); i++) {
      placed.push(await placeOne(user));
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    return placed;
  }));
  return { placed: perUserOrders.flat(), answers };
}

/** Waits until every placed order is confirmed or cancelled (`timeoutMs` each), its end each. */
export function settleAll(
  gateway: Gateway,
  placed: readonly PlacedOrder[],
  timeoutMs = 60_000,
): Promise<Order[]> {
  return Promise.all(
    placed.map(({ user, orderId }) => settledOrder(gateway, user, orderId, timeoutMs)),
  );
}

/** The 5xx answers in `answers`, by status, for a message. */
export function serverErrors(answers: Map<number, number>): string {
  return [...answers].filter(([status]) => status >= 500 || status === 0)
    .map(([status, n]) => `${n} x ${status || "no answer"}`).join(", ");
}
