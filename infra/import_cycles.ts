/**
 * Import cycles among the repository's own modules, found in the graph `deno info --json` reads:
 * infra/check_boundaries.ts refuses any. An `import type` counts: a cycle of types still ties its
 * modules into one, which none can then be read, moved or tested without.
 */
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** One module of `deno info --json`'s graph, with what it imports by value (`code`) or for types. */
interface GraphModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
}

/** Folders whose modules are no entry of the cycle check: tools' own output, and fixtures made bad. */
const notEntries = /^(node_modules|\.data|dist|tests\/fixtures)\/|\/db\/migrations\//;

/** Every TypeScript module of the repository (paths from its root), but those of `notEntries`. */
export async function localModules(folder = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(`${root}${folder}`)) {
    const path = `${folder}${entry.name}`;
    if (entry.name.startsWith(".") || notEntries.test(`${path}/`)) continue;
    if (entry.isDirectory) found.push(...await localModules(`${path}/`));
    else if (entry.isFile && path.endsWith(".ts")) found.push(path);
  }
  return found.sort();
}

/**
 * The import graph of the repository's own modules reached from `entries` (paths from its
 * root): each module's path, to the paths it imports, by value or for types. One `deno info`
 * reads it all, from a root that imports every entry. Throws with deno's message when a module
 * cannot be resolved.
 */
export async function importGraph(entries: string[]): Promise<Map<string, string[]>> {
  const source = entries.map((entry) => `import "${pathToFileURL(root + entry).href}";`).join("\n");
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "info",
      "--json",
      "--config",
      `${root}deno.json`,
      `data:application/typescript,${encodeURIComponent(source)}`,
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  const { modules }: { modules: GraphModule[] } = JSON.parse(
    new TextDecoder().decode(output.stdout),
  );
  const local = (specifier: string | undefined) =>
    specifier?.startsWith("file://") ? fileURLToPath(specifier).slice(root.length) : undefined;
  const graph = new Map<string, string[]>();
  for (const module of modules) {
    const from = local(module.specifier);
    if (from === undefined) continue;
    const to = (module.dependencies ?? []).flatMap((d) => [d.code?.specifier, d.type?.specifier])
      .map(local).filter((path): path is string => path !== undefined);
    graph.set(from, [...new Set(to)].sort());
  }
  return graph;
}

/**
 * Each import cycle of `graph`, one per set of modules tied together (a strongly connected
 * component), as the path around it from its first module in sorting order back to that module:
 * `[a, b, c, a]`; a module importing itself is `[a, a]`. None when the graph has no cycle.
 */
export function importCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  for (const component of tiedTogether(graph)) {
    const start = [...component].sort()[0];
    if (component.size === 1 && !graph.get(start)?.includes(start)) continue;
    cycles.push(shortestWayBack(graph, start, component));
  }
  return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Tarjan's strongly connected components, iteratively (a deep graph must not overflow). */
function tiedTogether(graph: Map<string, string[]>): Set<string>[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: Set<string>[] = [];
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    index.set(start, index.size);
    low.set(start, index.get(start)!);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const targets = graph.get(frame.node) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++];
        if (!index.has(target)) {
          index.set(target, index.size);
          low.set(target, index.get(target)!);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component = new Set<string>();
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.add(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

/** The shortest path from `start` back to it within `component` (breadth first). */
function shortestWayBack(
  graph: Map<string, string[]>,
  start: string,
  component: Set<string>,
): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const target of graph.get(node) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at = node; at !== start; at = cameFrom.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}
