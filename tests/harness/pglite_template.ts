/**
 * Fresh PGlite clusters for tests, copied from one newly initialised cluster instead of running
 * initdb again: initdb costs about 2 s of CPU each time, and a run of the suite makes dozens. The
 * copy is PGlite's own initdb output, dumped before anything touches it, made once per test run
 * (`deno test` runs every file in one process: the copy is named after its pid and PGlite's
 * version) and never used by another run. What a test does on a copy starts as on a fresh
 * cluster: every service's migrations still run.
 */
import { PGlite } from "@electric-sql/pglite";

const folder = Deno.env.get("TMPDIR") || "/tmp";
const prefix = "pglite-template-";
/** PGlite's version, from where the import map resolves it (the path names the version). */
const version = import.meta.resolve("@electric-sql/pglite").match(/pglite@([\w.-]+)/)?.[1] ??
  "unknown";
const templatePath = `${folder}/${prefix}${version}-${Deno.pid}.tar`;

/**
 * A new PGlite in memory, as `PGlite.create()` makes one: from this run's copy of a fresh
 * cluster when there is one, else by initdb, whose output then becomes the copy. Throws what
 * PGlite throws when it cannot start at all.
 */
export async function freshPglite(): Promise<PGlite> {
  const template = await Deno.readFile(templatePath).catch(() => null);
  if (template) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([template]) });
    } catch {
      // A copy PGlite cannot load (it should not happen): initdb as if there were none.
    }
  }
  const pglite = await PGlite.create();
  await keepCopy(pglite).catch(() => {});
  return pglite;
}

/**
 * Puts a fresh cluster in `<dataDir>/<service>` for each of `services`, where a service run as a
 * process with DATA_DIR=dataDir opens its PGlite, so that it opens one instead of running initdb
 * (and migrates it, as on any first start). Needs `tar`; without it, or when anything fails, the
 * folders are left as they were and each service runs initdb itself. Never throws.
 */
export async function seedPgliteDataDirs(dataDir: string, services: string[]): Promise<void> {
  try {
    if (!(await Deno.stat(templatePath).then(() => true, () => false))) {
      const pglite = await PGlite.create();
      try {
        await keepCopy(pglite);
      } finally {
        await pglite.close();
      }
    }
    await Promise.all(services.map(async (service) => {
      const target = `${dataDir}/${service}`;
      await Deno.mkdir(target, { recursive: true });
      const untar = await new Deno.Command("tar", {
        args: ["-xf", templatePath, "-C", target],
        stdout: "null",
        stderr: "null",
      }).output();
      // Half a cluster would fail the service: leave none, and let it run initdb.
      if (!untar.success) await Deno.remove(target, { recursive: true });
    }));
  } catch {
    // Seeding only saves time: the services make their clusters themselves.
  }
}

/** Writes `pglite`'s data folder as this run's copy (whole or not at all), and drops old runs'. */
async function keepCopy(pglite: PGlite) {
  const dump = await pglite.dumpDataDir("none");
  const partial = `${templatePath}.${crypto.randomUUID()}`;
  await Deno.writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
  await Deno.rename(partial, templatePath);
  for await (const entry of Deno.readDir(folder)) {
    const pid = entry.name.startsWith(prefix) && entry.name.match(/-(\d+)\.tar/)?.[1];
    if (pid && !(await runs(Number(pid)))) {
      await Deno.remove(`${folder}/${entry.name}`).catch(() => {});
    }
  }
}

/** Whether a process `pid` runs (Linux's /proc); where that cannot be told, assume it does. */
async function runs(pid: number): Promise<boolean> {
  try {
    await Deno.stat("/proc/self");
  } catch {
    return true;
  }
  return await Deno.stat(`/proc/${pid}`).then(() => true, () => false);
}
