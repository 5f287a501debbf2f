/**
 * What the chaos run does to the stack while orders flow: SIGKILL a service process and start it
 * again, stop one gracefully (SIGTERM) and start it again, stop and start a service that runs in
 * the run's own process, and stop nats-server for a moment. One at a time, one every `everyMs`
 * (give or take a third), drawn from a shuffled deck so each kind comes round.
 */
import type { Fleet } from "./fleet.ts";
import type { Random } from "./random.ts";

/** How many of each disruption the run did, by kind (e.g. `kill orders`, `restart nats`). */
export type DisruptionCounts = Map<string, number>;

/** Disrupts `fleet` until `stop` resolves; resolves with the counts once the last one is over. */
export async function disrupt(
  fleet: Fleet,
  options: { everyMs: number; stop: Promise<void>; random: Random },
): Promise<DisruptionCounts> {
  const counts: DisruptionCounts = new Map();
  let stopped = false;
  options.stop.then(() => stopped = true);
  const { random } = options;
  const pause = () => sleep(200 + random.below(1_300));
  const deck: { name: string; act: () => Promise<void> }[] = [
    ...[...fleet.processes.values()].flatMap((service) => [
      {
        name: `kill ${service.name}`,
        act: async () => {
          await service.kill("SIGKILL");
          await pause();
          await service.start();
        },
      },
      {
        name: `stop ${service.name}`,
        act: async () => {
          await service.kill("SIGTERM");
          await service.start();
        },
      },
    ]),
    ...fleet.inProcess.filter((name) => name !== "users").map((name) => ({
      name: `restart ${name}`,
      act: async () => {
        await fleet.stack.stop(name);
        await pause();
        await fleet.stack.start(name);
      },
    })),
    {
      name: "restart nats-server",
      act: async () => {
        await fleet.stack.nats.stop();
        await pause();
        await fleet.stack.nats.start();
      },
    },
  ];
  // The first hand is in a fixed order that reaches every kind soon: a short run sees each.
  let hand = [...deck].sort((a, b) => priority(a.name) - priority(b.name));
  while (!stopped) {
    await Promise.race([
      sleep(options.everyMs * (2 / 3 + random.below(1_000) / 1_500)),
      options.stop,
    ]);
    if (stopped) break;
    if (hand.length === 0) hand = random.shuffle([...deck]);
    const next = hand.shift()!;
    await next.act();
    counts.set(next.name, (counts.get(next.name) ?? 0) + 1);
  }
  return counts;
}

/** Kills of the saga's core first, then nats-server, then the rest. */
function priority(name: string): number {
  const order = ["kill orders", "kill payments", "restart nats-server", "kill catalog"];
  const at = order.indexOf(name);
  return at === -1 ? order.length : at;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
