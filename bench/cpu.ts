/**
 * The CPU time the programs of this machine spend while a load runs: Deno (this process and the
 * services it started), Postgres and nats-server, read from /proc, so Linux only; elsewhere
 * there is nothing to read and the figures are left out. It counts every process of those
 * programs, so run nothing else beside the benchmark.
 */

const programs = { deno: "deno", postgres: "postgres", "nats-server": "nats" } as const;
type Program = (typeof programs)[keyof typeof programs];

/** Seconds of CPU (user and system) by program, or null where /proc cannot be read. */
export type CpuReading = Map<Program, number> | null;

/** /proc reports times in clock ticks; Linux sets USER_HZ to 100 on every architecture. */
const ticksPerSecond = 100;

export function readCpu(): CpuReading {
  const seconds = new Map<Program, number>();
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      let stat: string;
      try {
        stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      } catch {
        continue; // gone since the listing
      }
      // "pid (comm) state ...": comm may hold spaces, so split after its closing parenthesis.
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const program = Object.entries(programs).find(([name]) => comm.startsWith(name))?.[1];
      if (!program) continue;
      const fields = stat.slice(close + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
      seconds.set(program, (seconds.get(program) ?? 0) + ticks / ticksPerSecond);
    }
  } catch {
    return null;
  }
  return seconds;
}

/** CPU milliseconds per unit of work between two readings, one figure per program. */
export function cpuPer(before: CpuReading, after: CpuReading, units: number) {
  const figures: Record<string, number> = {};
  if (!before || !after || units <= 0) return figures;
  for (const program of Object.values(programs)) {
    const spent = (after.get(program) ?? 0) - (before.get(program) ?? 0);
    if (after.has(program)) figures[`${program} CPU ms`] = (spent * 1000) / units;
  }
  return figures;
}
