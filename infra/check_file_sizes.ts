/**
 * No source file over 300 lines: a file that long holds more than one concept, and a reader can
 * no longer see it whole. Counts every TypeScript and SQL file git tracks, generated ones aside
 * (embedded migrations, drizzle-kit's SQL, the lock file). Run by `deno task check`; exits 1
 * naming each file over the limit with its length.
 */
import { fileURLToPath } from "node:url";

/** Lines a source file may have at most. */
export const maxLines = 300;

/** Written by tools, not read as code: never counted. */
const generated = [/\/db\/migrations\.ts$/, /\/db\/migrations\//];

/** A file over the limit, and how many lines it has. */
export interface LongFile {
  path: string;
  lines: number;
}

/** The files of `paths` (read from `base`) over `maxLines` lines, generated ones aside. */
export async function longFiles(paths: string[], base: string): Promise<LongFile[]> {
  const found: LongFile[] = [];
  for (const path of paths) {
    if (!/\.(ts|sql)$/.test(path) || generated.some((pattern) => pattern.test(`/${path}`))) {
      continue;
    }
    const text = await Deno.readTextFile(`${base}${path}`).catch((error) => {
      // Tracked but deleted in the working tree: nothing to read.
      if (error instanceof Deno.errors.NotFound) return "";
      throw error;
    });
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (lines > maxLines) found.push({ path, lines });
  }
  return found;
}

if (import.meta.main) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const listed = await new Deno.Command("git", { args: ["ls-files"], cwd: root, stdout: "piped" })
    .output();
  const paths = new TextDecoder().decode(listed.stdout).split("\n").filter(Boolean);
  const found = await longFiles(paths, root);
  for (const { path, lines } of found) {
    console.error(`file sizes: ${path} has ${lines} lines (at most ${maxLines}); split it`);
  }
  if (found.length > 0) Deno.exit(1);
  console.log(`file sizes: no source file over ${maxLines} lines`);
}
