/**
 * DEV_INSTANCES: how many instances of a service `deno task dev` runs, as `payments=2,orders=3`
 * (every other service one). Instances after the first are named `<service>#<n>` in the output
 * and on the dashboard, each on an HTTP port of its own, all in the service's queue group.
 */

/** Instances per service named in `value`; throws an Error saying what is wrong with it. */
export function parseInstances(
  value: string | undefined,
  services: readonly string[],
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const part of (value ?? "").split(",").map((p) => p.trim()).filter(Boolean)) {
    const match = part.match(/^([a-z][a-z0-9_-]*)=(\d+)$/);
    if (!match) throw new Error(`DEV_INSTANCES: "${part}" is not <service>=<count>`);
    const [, name, count] = match;
    if (!services.includes(name)) {
      throw new Error(`DEV_INSTANCES: no service "${name}" (${services.join(", ")})`);
    }
    if (Number(count) < 1 || Number(count) > 9) {
      throw new Error(`DEV_INSTANCES: ${name} takes 1 to 9 instances, not ${count}`);
    }
    counts.set(name, Number(count));
  }
  return counts;
}

/** `service`'s instances' names: the service's own, then `<service>#2`, `#3`... */
export function instanceNames(service: string, count = 1): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? service : `${service}#${i + 1}`));
}

/**
 * Refuses (throws) a second instance of a service that keeps its data in PGlite: PGlite is one
 * process's database, so two would each need a database URL (DATABASE_URL or
 * `<SERVICE>_DATABASE_URL`) to share one.
 */
export function requireSharedDatabase(
  counts: Map<string, number>,
  hasDatabase: (service: string) => boolean,
  env: (name: string) => string | undefined,
): void {
  for (const [service, count] of counts) {
    const url = env(`${service.toUpperCase()}_DATABASE_URL`) || env("DATABASE_URL");
    if (count > 1 && hasDatabase(service) && !url) {
      throw new Error(
        `DEV_INSTANCES: ${count} instances of ${service} need a Postgres to share ` +
          `(DATABASE_URL or ${service.toUpperCase()}_DATABASE_URL): PGlite is one process's`,
      );
    }
  }
}

/**
 * Each service's instances' names from DEV_INSTANCES (read with `env`), in the registry's order;
 * throws as `parseInstances` and `requireSharedDatabase` do.
 */
export function devInstances(
  services: readonly { name: string; migrations: unknown[] | null }[],
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Map<string, string[]> {
  const counts = parseInstances(env("DEV_INSTANCES"), services.map((s) => s.name));
  const hasDatabase = (name: string) => services.some((s) => s.name === name && s.migrations);
  requireSharedDatabase(counts, hasDatabase, env);
  return new Map(services.map((s) => [s.name, instanceNames(s.name, counts.get(s.name))]));
}

/**
 * A port for each instance by name: a service's first on its usual port (shifted by `offset`),
 * the others on any free port (`choose(what, 0)`).
 */
export function instancePorts(
  instances: Map<string, string[]>,
  services: readonly { name: string; port: number }[],
  offset: number,
  choose: (what: string, preferred: number) => number,
): Map<string, number> {
  return new Map([...instances].flatMap(([service, names]) => {
    const usual = services.find((s) => s.name === service)!.port + offset;
    return names.map((name, i) => [name, choose(`${name} HTTP`, i === 0 ? usual : 0)] as const);
  }));
}
