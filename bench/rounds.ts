/**
 * Driving calls for the benchmark: `drive` keeps a number of calls in flight, and `alternating`
 * measures several sides (the platform, raw nats.js, a peer in another process) in turns.
 */
import { cpuUsage } from "node:process";
import { percentile } from "./report.ts";

/**
 * What one round measured: its calls, its wall time in seconds, each call's latency in ms, and
 * the CPU its processes spent (user and system, µs) when the side counts it.
 */
export interface Run {
  calls: number;
  seconds: number;
  latencies: number[];
  cpuMicros?: number;
}

/** One side of a comparison: runs `total` calls keeping `inFlight` outstanding. */
export type Side = (inFlight: number, total: number) => Promise<Run>;

/**
 * A side whose calls are made here, by `drive`; with `serverCpu` (µs the serving process has
 * used so far), its rounds count this process's CPU and the server's.
 */
export const local = (call: () => Promise<void>, serverCpu?: () => Promise<number>): Side =>
  serverCpu
    ? async (inFlight, total) => {
      const [ours, theirs] = [cpuUsage(), await serverCpu()];
      const run = await drive(call, inFlight, total);
      const spent = cpuUsage(ours);
      return { ...run, cpuMicros: spent.user + spent.system + await serverCpu() - theirs };
    }
    : (inFlight, total) => drive(call, inFlight, total);

/**
 * `total` calls of each side, in `rounds` turns taken one after the other, after a warm-up
 * of each: a ratio of two runs of about a second each moves with whatever the machine does in
 * that second (this virtual machine's speed drifts within a minute), and the one measured second
 * would profit from the first one's warm-up. Per side: calls per second, p50 and p99 in ms, and
 * CPU µs per call when the side counts it.
 */
export async function alternating(
  sides: Side[],
  inFlight: number,
  total: number,
  rounds: number,
): Promise<{ perSecond: number; p50: number; p99: number; cpuPerCall?: number }[]> {
  for (const side of sides) await side(inFlight, Math.min(total / 10, 1_000));
  const runs: Run[] = sides.map(() => ({ calls: 0, seconds: 0, latencies: [] }));
  for (let round = 0; round < rounds; round++) {
    for (const [i, side] of sides.entries()) {
      const run = await side(inFlight, Math.round(total / rounds));
      runs[i].calls += run.calls;
      runs[i].seconds += run.seconds;
      runs[i].latencies.push(...run.latencies);
      if (run.cpuMicros !== undefined) runs[i].cpuMicros = (runs[i].cpuMicros ?? 0) + run.cpuMicros;
    }
  }
  return runs.map((run) => ({
    perSecond: run.calls / run.seconds,
    p50: percentile(run.latencies, 50),
    p99: percentile(run.latencies, 99),
    cpuPerCall: run.cpuMicros === undefined ? undefined : run.cpuMicros / run.calls,
  }));
}

/** Runs `total` calls keeping `inFlight` outstanding: how long it took, and each call's latency. */
export async function drive(
  call: () => Promise<void>,
  inFlight: number,
  total: number,
): Promise<Run> {
  const latencies: number[] = [];
  let started = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (started < total) {
      started++;
      const t = performance.now();
      await call();
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { calls: total, seconds: (performance.now() - t0) / 1000, latencies };
}
