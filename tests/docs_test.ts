/**
 * The documentation stays a front door that opens: every relative link in README.md, docs/*.md
 * and the services' READMEs leads to a file or folder that exists (and to a heading that exists,
 * when it names one), the README stays short (issue 18: about 250 lines), and no Markdown,
 * TypeScript or YAML file points at a path outside the repository.
 */
import assert from "node:assert/strict";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** Folders that hold no documentation or source of ours: installed, generated or local state. */
const skipped = new Set([".git", "node_modules", ".data", "dist", "results"]);

async function* files(dir: string, endings: string[]): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && !skipped.has(entry.name)) yield* files(path, endings);
    else if (entry.isFile && endings.some((end) => entry.name.endsWith(end))) yield path;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Markdown text without its fenced code blocks: a link inside one is text, not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
}

/** The `[text](target)` links of a Markdown text, without absolute URLs. */
export function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/**
 * The anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped, spaces
 * as hyphens, a repeated heading suffixed `-1`, `-2`, ...
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    let anchor = slug;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${slug}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

/**
 * Each `../`-relative path written in a text that, taken from the file's own folder, lands
 * outside the repository: a link or an import of something no clone has.
 */
export function pathsLeavingRoot(text: string, fileDir: string, rootDir: string): string[] {
  return [...text.matchAll(/(?<![\w./-])((?:\.\.\/)+)([\w.@/-]*)/g)]
    .map((match) => match[0])
    .filter((path) => relative(rootDir, resolve(fileDir, path)).startsWith(".."));
}

async function documentation(): Promise<string[]> {
  const docs = [join(root, "README.md")];
  for await (const path of files(join(root, "docs"), [".md"])) docs.push(path);
  for await (const path of files(join(root, "services"), ["README.md"])) docs.push(path);
  return docs.sort();
}

Deno.test("documentation", async (t) => {
  await t.step("every relative link leads to a file, folder or heading that exists", async () => {
    const broken: string[] = [];
    for (const doc of await documentation()) {
      for (const link of relativeLinks(await Deno.readTextFile(doc))) {
        const [path, anchor] = link.split("#");
        const target = path === "" ? doc : resolve(dirname(doc), decodeURIComponent(path));
        const where = `${relative(root, doc)}: ${link}`;
        if (relative(root, target).startsWith("..")) broken.push(`${where} (outside the repo)`);
        else if (!await exists(target)) broken.push(`${where} (no such file)`);
        else if (anchor && target.endsWith(".md")) {
          const anchors = headingAnchors(await Deno.readTextFile(target));
          if (!anchors.has(anchor)) broken.push(`${where} (no such heading)`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  await t.step("the README stays a front door: under 260 lines", async () => {
    const lines = (await Deno.readTextFile(join(root, "README.md"))).split("\n").length;
    assert.ok(lines < 260, `README.md has ${lines} lines; move the detail to docs/`);
  });

  await t.step("the README links to every document in docs/", async () => {
    const links = new Set(
      relativeLinks(await Deno.readTextFile(join(root, "README.md"))).map((l) => l.split("#")[0]),
    );
    for await (const doc of files(join(root, "docs"), [".md"])) {
      assert.ok(
        links.has(`docs/${basename(doc)}`),
        `README.md does not link docs/${basename(doc)}`,
      );
    }
  });

  await t.step(
    "no Markdown, TypeScript or YAML file refers to a path outside the repo",
    async () => {
      // Named by absolute path, the folder beside the repository, e.g. a team's handbook.
      const beside = `${dirname(root)}/`;
      const own = `${root}/`;
      const found: string[] = [];
      for await (const path of files(root, [".md", ".ts", ".yaml", ".yml"])) {
        const text = await Deno.readTextFile(path);
        for (const leaving of pathsLeavingRoot(text, dirname(path), root)) {
          found.push(`${relative(root, path)}: ${leaving}`);
        }
        if (text.replaceAll(own, "").includes(beside)) {
          found.push(`${relative(root, path)}: ${beside}...`);
        }
      }
      assert.deepEqual(found, []);
    },
  );

  await t.step("the checks catch what they are for", () => {
    const dir = join(root, "services", "gateway");
    // Built, so that this file names no such path itself.
    const [inside, outside] = [
      "../".repeat(2) + "shared/log/mod.ts",
      "../".repeat(3) + "notes/api.md",
    ];
    assert.deepEqual(
      pathsLeavingRoot(`import "${inside}"; see ${outside}`, dir, root),
      [outside],
    );
    assert.deepEqual(relativeLinks("[a](docs/api.md) [b](https://x.org)\n```\n[c](d.md)\n```"), [
      "docs/api.md",
    ]);
    assert.ok(
      headingAnchors("## The same over HTTP: the gateway's `/admin` routes").has(
        "the-same-over-http-the-gateways-admin-routes",
      ),
    );
  });
});
