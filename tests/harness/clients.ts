/** A signed-up user and the calls a client makes, for scenario tests. */
import assert from "node:assert/strict";
import type { Order } from "../../shared/contracts/mod.ts";
import { json } from "./stack.ts";

/** Anything that answers requests as the gateway: the in-process stack, or a real HTTP port. */
export interface Gateway {
  request(path: string, init?: RequestInit): Promise<Response>;
}

export interface TestUser {
  userId: string;
  headers: Record<string, string>;
}

export async function signUp(stack: Gateway, name = "Test User"): Promise<TestUser> {
  const email = `${crypto.randomUUID()}@example.com`;
  const password = "a long enough password";
  const registered = await politely(() =>
    stack.request("/auth/register", json("POST", { email, password, name }))
  );
  assert.equal(registered.status, 201, await registered.clone().text());
  const { userId } = await registered.json();
  const login = await politely(() =>
    stack.request("/auth/login", json("POST", { email, password }))
  );
  assert.equal(login.status, 200, await login.clone().text());
  const { token } = await login.json();
  return { userId, headers: { authorization: `Bearer ${token}` } };
}

/**
 * What a well-behaved client does with a 503 that says when to come back: password hashing sheds
 * what it cannot finish in time (services/users/hashing.ts), so many sign-ups at once wait their turn.
 */
async function politely(send: () => Promise<Response>, tries = 20): Promise<Response> {
  for (let attempt = 1;; attempt++) {
    const response = await send();
    const retryAfter = response.headers.get("retry-after");
    if (response.status !== 503 || retryAfter === null || attempt === tries) return response;
    await response.body?.cancel();
    // Retry-After is in whole seconds; the queue usually frees sooner, so wait a fraction of it.
    await new Promise((r) => setTimeout(r, Math.min(Number(retryAfter) * 1000, 200 * attempt)));
  }
}

export async function productBySku(stack: Gateway, sku: string) {
  const { items } = await (await stack.request("/products")).json();
  const product = items.find((p: { sku: string }) => p.sku === sku);
  assert.ok(product, `no product ${sku}`);
  return product as { id: string; priceCents: number; available: number };
}

export function placeOrder(
  stack: Gateway,
  user: TestUser,
  items: { productId: string; quantity: number }[],
  idempotencyKey?: string,
) {
  const headers = idempotencyKey
    ? { ...user.headers, "idempotency-key": idempotencyKey }
    : user.headers;
  return stack.request("/orders", json("POST", { items }, headers));
}

export async function getJson(stack: Gateway, user: TestUser, path: string) {
  const res = await stack.request(path, { headers: user.headers });
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return res.json();
}

/** Polls until the order is confirmed or cancelled; 503 and 504 mean "ask again", as for any client. */
export async function settledOrder(
  stack: Gateway,
  user: TestUser,
  orderId: string,
  timeoutMs = 20_000,
): Promise<Order> {
  const until = Date.now() + timeoutMs;
  while (true) {
    const res = await stack.request(`/orders/${orderId}`, { headers: user.headers });
    if (res.status === 503 || res.status === 504) await res.body?.cancel();
    else {
      assert.equal(res.status, 200, `/orders/${orderId}: ${await res.clone().text()}`);
      const order: Order = await res.json();
      if (order.status !== "pending") return order;
    }
    if (Date.now() > until) throw new Error(`order ${orderId} still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
