/** Which events must be applied one after another, and which may go side by side. */
import { together } from "../../db/together.ts";

/**
 * What must happen in order: all facts of one user, so of each of their orders (every fact of an
 * order names its user), else of one order, else the event alone. By user rather than by order:
 * a user's facts touch the same rows (their wallet), and two batches in two lanes that lock them
 * in different orders would deadlock.
 */
export function orderingKey(event: { id: string; data: unknown }): string {
  const data = (event.data ?? {}) as { orderId?: unknown; userId?: unknown };
  if (typeof data.userId === "string") return `user:${data.userId}`;
  if (typeof data.orderId === "string") return `order:${data.orderId}`;
  return `event:${event.id}`;
}

/**
 * Runs `work` for every item: those of one key one after another, in the given order, and the
 * keys side by side. Waits for all of them, even after a failure (nothing may still be running
 * when the caller rolls back), then throws what failed first (see `together`).
 */
export async function eachInKeyOrder<T>(
  items: T[],
  keyOf: (item: T) => string,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const byKey = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    byKey.get(key)?.push(item) ?? byKey.set(key, [item]);
  }
  await together(
    [...byKey.values()].map(async (group) => {
      for (const item of group) await work(item);
    }),
  );
}
