/**
 * Independent deployability, checked: no service may reach another service's code
 * (`services/<other>/`) or schema (`services/<other>/db/`), directly or through anything it imports,
 * nor the registry (`services/registry.ts`), which imports every service. The registry itself
 * is exempt, not checked: it lists the services by design and only tools import it.
 * Reads each entry's real module graph (`deno info --json`), so an indirect import counts too.
 * And no import cycle among the repository's own modules (infra/import_cycles.ts). Run by
 * `deno task check`; exits 1 naming each offending module and each cycle.
 */
import { fileURLToPath } from "node:url";
import { registry as services } from "../services/registry.ts";
import { importCycles, importGraph, localModules } from "./import_cycles.ts";

/** Imports every service; a service reaching it would reach all the others. */
const registryModule = "services/registry.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

export interface Violation {
  service: string;
  module: string;
}

/** The modules of `entry`'s graph that belong to a service other than `service`, or the registry. */
export async function boundaryViolations(entry: string, service: string): Promise<Violation[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  const graph: { modules: { specifier: string }[] } = JSON.parse(
    new TextDecoder().decode(output.stdout),
  );
  return graph.modules
    .map((module) => module.specifier)
    .filter((specifier) => specifier.startsWith("file://"))
    .map((specifier) => fileURLToPath(specifier).slice(root.length))
    .filter((path) => {
      if (path === registryModule) return true;
      const owner = path.match(/^services\/([^/]+)\//)?.[1];
      return owner !== undefined && owner !== service;
    })
    .map((module) => ({ service, module }));
}

if (import.meta.main) {
  const [found, cycles] = await Promise.all([
    Promise.all(
      services.map((s) => boundaryViolations(`services/${s.name}/main.ts`, s.name)),
    ).then((all) => all.flat()),
    localModules().then(importGraph).then(importCycles),
  ]);
  for (const { service, module } of found) {
    console.error(`boundaries: ${service} reaches ${module}, which belongs to another service`);
  }
  for (const cycle of cycles) console.error(`boundaries: import cycle: ${cycle.join(" → ")}`);
  if (found.length > 0 || cycles.length > 0) Deno.exit(1);
  console.log(
    `boundaries: ${services.length} services, each within its own code and schema; ` +
      "no import cycle among the repository's modules",
  );
}
