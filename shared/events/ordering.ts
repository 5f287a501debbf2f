/** Which events must be applied one after another, and which may go side by side. */
import { together } from "../db/together.ts";
import { allEvents, type EventDefinition } from "../contracts/mod.ts";

/** An event as read off a stream: its id, and its type, version and data not yet checked. */
export interface KeyedEvent {
  id: string;
  type?: unknown;
  version?: unknown;
  data?: unknown;
}

/**
 * The ordering key of an event, as its producer declares it in `definitions` (`defineEvent`'s
 * `orderingKey`), found by type and version. The declaration reads the data only once the event's
 * schema accepts it. An event with no declaration (a type or version not in `definitions`, a
 * declaration of `null`) or whose data fails its schema is keyed by its own id, `event:<id>`, so it
 * waits for nothing. Throws when `definitions` holds one type and version twice.
 */
export function orderingKeys(
  definitions: readonly EventDefinition[],
): (event: KeyedEvent) => string {
  const byTypeAndVersion = new Map<string, EventDefinition>();
  for (const definition of definitions) {
    const name = `${definition.type}@${definition.version}`;
    if (byTypeAndVersion.has(name)) throw new Error(`${name} is defined twice`);
    byTypeAndVersion.set(name, definition);
  }
  return (event) => {
    const definition = byTypeAndVersion.get(`${event.type}@${event.version}`);
    const declared = definition?.orderingKey;
    if (!declared) return `event:${event.id}`;
    const data = definition.schema.shape.data.safeParse(event.data);
    return (data.success ? declared(data.data) : null) ?? `event:${event.id}`;
  };
}

/**
 * The ordering key of any event of the platform (`allEvents`), as `orderingKeys` reads it: with
 * today's contracts, the user's, else the order's, else the event's own id.
 */
export const orderingKey: (event: KeyedEvent) => string = orderingKeys(allEvents);

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
