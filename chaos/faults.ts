/**
 * The faults a chaos run injects (through the FAULTS bucket, as `deno task ops faults` does): every
 * `everyMs` it clears the last hand and sets a new one of a few rules drawn from the saga's own
 * points (each declared reaction's handler, before and after its commit; each publisher's relay;
 * the RPC endpoints an order goes through): fail with a probability, delay, and (only for
 * services run as processes, which the supervisor restarts) end the process.
 */
import { orderSaga } from "../shared/contracts/order_saga.ts";
import { sagaReactions } from "../shared/contracts/saga.ts";
import {
  type FaultRule,
  handlerFaultPoint,
  relayFaultPoint,
  rpcFaultPoint,
} from "../shared/faults/mod.ts";
import { clearFaults, describeFault, setFault } from "../shared/operator/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import type { Fleet } from "./fleet.ts";
import type { Random } from "./random.ts";

/** How many times each rule was set, by `point action p=…`. */
export type FaultCounts = Map<string, number>;

/** Every fault point on the saga's path, and whether its service runs as a process. */
export function sagaFaultPoints(processes: string[]): { point: string; exitable: boolean }[] {
  const points = sagaReactions(orderSaga).flatMap(({ service, event }) =>
    (["before_commit", "after_commit"] as const).map((at) => ({
      service,
      point: handlerFaultPoint(service, event.type, at),
    }))
  );
  for (const service of ["orders", "payments", "catalog"]) {
    points.push({ service, point: relayFaultPoint(service) });
  }
  points.push({ service: "orders", point: rpcFaultPoint("orders", "placeOrder") });
  points.push({ service: "catalog", point: rpcFaultPoint("catalog", "quote") });
  return points.map(({ service, point }) => ({ point, exitable: processes.includes(service) }));
}

/**
 * The points of the saga's compensations (refund, release), before their commit: a fault held
 * there long enough exhausts the deliveries, and the saga goes to compensation_failed. Those of
 * services run in this process come first: a test gives them short retries.
 */
export function compensationPoints(processes: string[]): string[] {
  const points = Object.values(orderSaga.compensations).flatMap(({ service, on }) =>
    on.map((event) => ({ service, point: handlerFaultPoint(service, event.type, "before_commit") }))
  );
  const inProcess = points.filter(({ service }) => !processes.includes(service));
  return (inProcess.length ? inProcess : points).map(({ point }) => point);
}

/** How a run injects: a new hand every `everyMs`, and one compensation failing for `holdMs`. */
export interface FaultOptions {
  everyMs: number;
  rulesPerHand: number;
  /** How long one compensation point fails always, from the start (0: never). */
  holdMs: number;
  /** Which point that is (default: one of `compensationPoints`, at random). */
  holdPoint?: string;
  stop: Promise<void>;
  random: Random;
}

/** Sets hands of faults until `stop`, then clears them all; resolves with the counts. */
export async function injectFaults(fleet: Fleet, options: FaultOptions): Promise<FaultCounts> {
  const { random } = options;
  const by = { actor: "chaos", log: createLogger({ service: "chaos", level: "error" }) };
  const processes = [...fleet.processes.keys()];
  const points = sagaFaultPoints(processes);
  const held = compensationPoints(processes);
  const hold = {
    point: options.holdPoint ?? held[random.below(held.length)],
    until: Date.now() + options.holdMs,
  };
  const counts: FaultCounts = new Map();
  const count = (point: string, rule: FaultRule) => {
    const name = `${point} ${describeFault(rule)}`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  };
  let stopped = false;
  options.stop.then(() => stopped = true);
  while (!stopped) {
    // NATS may be down for a moment (a disruption): this hand is skipped, the next one tried.
    await clearFaults(fleet.stack.nc, by).catch(() => {});
    const hand: [string, FaultRule][] = Array.from({ length: options.rulesPerHand }, () => {
      const { point, exitable } = points[random.below(points.length)];
      return [point, ruleFor(point, exitable, random)];
    });
    if (Date.now() < hold.until) hand.push([hold.point, { action: "fail", probability: 1 }]);
    for (const [point, rule] of hand) {
      const set = await setFault(fleet.stack.nc, point, rule, by).then(() => true, () => false);
      if (set) count(point, rule);
    }
    await Promise.race([new Promise((r) => setTimeout(r, options.everyMs)), options.stop]);
  }
  await clearAll(fleet);
  return counts;
}

/** Clears every fault, trying again while NATS is away (it must be clear before the drain). */
export async function clearAll(fleet: Fleet): Promise<void> {
  const by = { actor: "chaos", log: createLogger({ service: "chaos", level: "error" }) };
  for (let attempt = 1;; attempt++) {
    try {
      await clearFaults(fleet.stack.nc, by);
      return;
    } catch (error) {
      if (attempt === 20) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function ruleFor(point: string, exitable: boolean, random: Random): FaultRule {
  if (exitable && random.chance(0.15)) return { action: "exit", probability: 0.05 };
  if (point.includes(".rpc.") || random.chance(0.3)) {
    return { action: "delay", probability: 0.5, delayMs: 100 + random.below(1_400) };
  }
  return { action: "fail", probability: [0.2, 0.3, 0.5][random.below(3)] };
}
