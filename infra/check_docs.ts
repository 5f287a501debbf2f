/**
 * Every export of the platform kit has a doc comment: each function, class, const, type and
 * interface that a module under `shared/` exports (tests and the generated
 * `migrations.ts` aside). Reads what `deno doc --json` lists, so a re-export is checked where it is
 * declared. Run by `deno task check`; exits 1 naming each export without one.
 */
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** An export without a doc comment: where it is declared, what it is, and its name. */
export interface Undocumented {
  /** The module's path from the repository's root. */
  file: string;
  line: number;
  /** As `deno doc` says it: function, class, variable, typeAlias, interface, enum, namespace. */
  kind: string;
  name: string;
}

interface DocDeclaration {
  location: { filename: string; line: number };
  declarationKind: string;
  kind: string;
  jsDoc?: { doc?: string };
}

interface DocOutput {
  nodes: Record<string, { symbols?: { name: string; declarations: DocDeclaration[] }[] }>;
}

/** The kit's modules, from the repository's root: `shared/**`, tests aside. */
export function kitModules(base = root): string[] {
  const files: string[] = [];
  function walk(dir: string) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(`${base}${dir}`)];
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.isFile && isKitModule(entry.name)) files.push(path);
    }
  }
  walk("shared");
  return files;
}

function isKitModule(name: string): boolean {
  return name.endsWith(".ts") && !name.endsWith("_test.ts") && !name.endsWith(".d.ts") &&
    name !== "migrations.ts";
}

/**
 * The exports of `files` (paths from `base`) that carry no doc comment, each once, where it is
 * declared. Throws when `deno doc` fails (a module that does not parse or resolve).
 */
export async function undocumentedExports(files: string[], base = root): Promise<Undocumented[]> {
  if (files.length === 0) return [];
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...files],
    cwd: base,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  const doc: DocOutput = JSON.parse(new TextDecoder().decode(output.stdout));
  const missing: Undocumented[] = [];
  for (const [specifier, node] of Object.entries(doc.nodes)) {
    for (const symbol of node.symbols ?? []) {
      // Declared in this module (a re-export is checked in its own), and not an import.
      const own = symbol.declarations.filter((d) =>
        d.declarationKind === "export" && d.location.filename === specifier &&
        d.kind !== "reference" && d.kind !== "import"
      );
      if (own.length === 0 || own.some((d) => d.jsDoc?.doc?.trim())) continue;
      missing.push({
        file: fileURLToPath(specifier).slice(base.length),
        line: own[0].location.line,
        kind: own[0].kind,
        name: symbol.name,
      });
    }
  }
  return missing.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

if (import.meta.main) {
  const missing = await undocumentedExports(kitModules());
  for (const { file, line, kind, name } of missing) {
    console.error(`${file}:${line}: ${kind} ${name} has no doc comment`);
  }
  if (missing.length > 0) {
    console.error(`check_docs: ${missing.length} exports of the kit without a doc comment`);
    Deno.exit(1);
  }
  console.log("check_docs: every export of the kit has a doc comment");
}
