/**
 * The consumer's lanes: events go to a lane by ordering key; a lane applies what waits in it in
 * stream order, in batches of one transaction each, while other lanes run side by side.
 */
import type { JsMsg } from "@nats-io/jetstream";
import type { Logger } from "../log/mod.ts";
import { orderingKey } from "./ordering.ts";

/** How many lanes, how big a batch, how much in hand, and what handles a batch. */
export interface LanesOptions {
  /** Lanes, so transactions at once (at least 1). */
  count: number;
  /** Messages handed to `handleBatch` at once at most (at least 1). */
  batchSize: number;
  /** Messages taken and not yet handled at most: `take` waits while that many are in hand. */
  inHandAtMost: number;
  /** Applies and settles a batch (see `batchSettler`); a rejection is logged, nothing more. */
  handleBatch: (batch: JsMsg[]) => Promise<void>;
  log: Logger;
  /** Stream sequences held and not yet settled: `take` adds each message's. */
  unsettled: Set<number>;
}

/** Where the consumed messages wait for their lane. */
export interface Lanes {
  /** Puts `message` in its key's lane, after waiting while `inHandAtMost` messages are in hand. */
  take(message: JsMsg): Promise<void>;
  /** Resolves once the lanes running now have handled what waits in them. */
  drained(): Promise<void>;
}

/** `options.count` lanes, each draining its messages in batches of up to `batchSize`. */
export function eventLanes(options: LanesOptions): Lanes {
  const { batchSize, log } = options;
  const lanes = Array.from({ length: options.count }, () => ({
    waiting: [] as JsMsg[],
    running: false,
  }));
  const lanesDone = new Set<Promise<void>>();
  let inHand = 0;
  let room: (() => void) | null = null;

  async function drainLane(lane: (typeof lanes)[number]) {
    lane.running = true;
    while (lane.waiting.length > 0) {
      const batch = lane.waiting.splice(0, batchSize);
      await options.handleBatch(batch).catch((error) => {
        // Not even a nak went out (the connection is gone): the server redelivers after the wait.
        log.error("events could not be settled", { error, events: batch.length });
      });
      inHand -= batch.length;
      const wake = room;
      room = null;
      wake?.();
    }
    lane.running = false;
  }

  async function take(message: JsMsg) {
    while (inHand >= options.inHandAtMost) await new Promise<void>((r) => room = r);
    // One lane needs no key: the dispatcher parses the message anyway, so it is not parsed twice.
    const lane = lanes.length === 1 ? lanes[0] : lanes[laneOf(message, lanes.length)];
    lane.waiting.push(message);
    options.unsettled.add(message.seq);
    inHand++;
    if (!lane.running) {
      const draining = drainLane(lane);
      lanesDone.add(draining);
      draining.finally(() => lanesDone.delete(draining));
    }
  }

  return { take, drained: async () => void await Promise.all(lanesDone) };
}

/** The lane of a message: all events of one ordering key go to the same lane. */
function laneOf(message: JsMsg, lanes: number): number {
  const event = safeJson(message) as { id?: unknown; data?: unknown } | undefined;
  const key = typeof event?.id === "string"
    ? orderingKey({ ...event, id: event.id })
    : `poison:${message.seq}`;
  let hash = 2166136261; // FNV-1a: cheap, and spreads UUIDs evenly
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
  return (hash >>> 0) % lanes;
}

function safeJson(message: JsMsg): unknown {
  try {
    return message.json();
  } catch {
    return undefined;
  }
}
