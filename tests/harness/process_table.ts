/** The machine's processes, read from /proc, for tests that check what a runner left behind. */

/** One process: its ids and its command line. */
export interface Process {
  pid: number;
  ppid: number;
  /** Its process group: a terminal's Ctrl-C signals every process of the foreground group. */
  pgrp: number;
  args: string;
}

/** Every process, from /proc: `ps` (procps) is not on every fresh machine. */
export async function processes(): Promise<Process[]> {
  const found: Process[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ")".
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
      const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
      const args = `${cmdline.replaceAll("\0", " ")} `;
      found.push({ pid: Number(entry.name), ppid, pgrp, args });
    } catch {
      // Exited while we read.
    }
  }
  return found;
}
