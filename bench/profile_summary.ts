/**
 * Where a V8 CPU profile's time went (`deno run --cpu-prof` writes one per process):
 *
 *   deno run --allow-read bench/profile_summary.ts <file.cpuprofile> [calls] [top]
 *
 * Self time by package (or this repository's folder), then the `top` functions (default 30) by
 * self time, then by total time (their callees' included, once per function however deep it
 * recurses); with `calls`, each also in µs per call.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, callsArg, topArg = "30"] = Deno.args;
const profile: Profile = JSON.parse(await Deno.readTextFile(file));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + profile.timeDeltas[i]));

/** `npm:<package>`, `repo:<folder>/<file>`, `deno:<ext>`, or the frame's kind in parentheses. */
function where(url: string): string {
  const npm = url.match(/node_modules\/(?:\.deno\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/);
  if (npm) return `npm:${npm[1]}`;
  const repo = url.match(/\/work\/[^/]+\/(.+)$/);
  if (repo) return `repo:${repo[1]}`;
  if (url.startsWith("ext:")) return `deno:${url.slice(4).split("/")[0]}`;
  return url || "(native)";
}

const nameOf = ({ callFrame: { functionName, url, lineNumber } }: ProfileNode) =>
  `${functionName || "(anonymous)"} ${where(url)}:${lineNumber + 1}`;
const totals = {
  byPlace: new Map<string, number>(),
  byFunction: new Map<string, number>(),
  inclusive: new Map<string, number>(),
};
let all = 0;
for (const [id, micros] of self) {
  const node = byId.get(id)!;
  const place = where(node.callFrame.url);
  totals.byPlace.set(place, (totals.byPlace.get(place) ?? 0) + micros);
  totals.byFunction.set(nameOf(node), (totals.byFunction.get(nameOf(node)) ?? 0) + micros);
  all += micros;
}
/** Adds each node's self time to every function on its stack, once per function. */
function addInclusive(node: ProfileNode, stack: Set<string>) {
  const name = nameOf(node);
  const fresh = !stack.has(name);
  if (fresh) stack.add(name);
  const micros = self.get(node.id) ?? 0;
  for (const on of stack) totals.inclusive.set(on, (totals.inclusive.get(on) ?? 0) + micros);
  for (const child of node.children ?? []) addInclusive(byId.get(child)!, stack);
  if (fresh) stack.delete(name);
}
addInclusive(profile.nodes[0], new Set());
const calls = callsArg ? Number(callsArg) : undefined;
const line = (name: string, micros: number) =>
  `${(micros / 1000).toFixed(0).padStart(7)} ms ${(100 * micros / all).toFixed(1).padStart(5)}%` +
  `${calls ? ` ${(micros / calls).toFixed(2).padStart(6)} µs/call` : ""}  ${name}`;
const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
console.log(line("total", all));
console.log("\nby place:");
for (const [name, micros] of sorted(totals.byPlace).slice(0, 25)) console.log(line(name, micros));
console.log("\nby function:");
for (const [name, micros] of sorted(totals.byFunction).slice(0, Number(topArg))) {
  console.log(line(name, micros));
}
console.log("\nby function, callees included:");
for (const [name, micros] of sorted(totals.inclusive).slice(0, Number(topArg))) {
  console.log(line(name, micros));
}
