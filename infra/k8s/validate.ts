/**
 * Validates the Kubernetes manifests offline, no cluster needed: every YAML document under
 * deploy/k8s/ (templates included) against the schema of its `apiVersion` and `kind`, from the
 * Kubernetes OpenAPI schemas that the kubernetes-models package compiles. Run by
 * `deno task check`; exits 1 naming each file, document and what is wrong (a wrong type, a
 * missing required field, an unknown kind), then the objects against each other (./references.ts:
 * selectors, target ports, probe ports). Fields the schemas do not know are not refused: the
 * generator builds every object through the package's types, so `deno check` catches those.
 */
import { fileURLToPath } from "node:url";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import { manifestsDir } from "./manifests.ts";
import { referenceProblems } from "./references.ts";

/** What is wrong with one document of a manifest file. */
export interface ManifestProblem {
  file: string;
  /** The document's position in its file, from 0. */
  document: number;
  message: string;
}

interface Validatable {
  validate(): void;
}

type ModelClass = new (data: unknown) => Validatable;

/** The model class of `apiVersion`/`kind` (`apps/v1` → kubernetes-models/apps/v1), if any. */
async function modelOf(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Z][A-Za-z]+$/.test(kind)) {
    return undefined;
  }
  try {
    const group: Record<string, unknown> = await import(`kubernetes-models/${apiVersion}`);
    return group[kind] as ModelClass | undefined;
  } catch {
    return undefined;
  }
}

/** The problems of the YAML text of `file`: none when each document is valid. */
export async function manifestProblems(file: string, text: string): Promise<ManifestProblem[]> {
  const problems: ManifestProblem[] = [];
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) {
    return [{ file, document: 0, message: "not a YAML stream" }];
  }
  for (const [index, document] of documents.entries()) {
    const problem = (message: string) => problems.push({ file, document: index, message });
    if (document.errors.length > 0) {
      problem(`YAML: ${document.errors[0].message}`);
      continue;
    }
    const object = document.toJSON();
    if (object === null || typeof object !== "object") {
      problem("not an object");
      continue;
    }
    const { apiVersion, kind, metadata } = object as Record<string, unknown>;
    const named = `${kind}/${(metadata as { name?: string } | undefined)?.name ?? "?"}`;
    const Model = await modelOf(String(apiVersion), String(kind));
    if (!Model) {
      problem(`${named}: no schema for apiVersion ${apiVersion}, kind ${kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problem(`${named}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** The YAML files under `dir`, recursively, sorted. */
export async function yamlFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...await yamlFiles(path));
    else if (/\.ya?ml$/.test(entry.name)) found.push(path);
  }
  return found.sort();
}

if (import.meta.main) {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const files = await yamlFiles(join(root, manifestsDir));
  let documents = 0;
  const problems: ManifestProblem[] = [];
  const objects: Parameters<typeof referenceProblems>[0] = [];
  for (const file of files) {
    const text = await Deno.readTextFile(file);
    documents += text.split(/^---$/m).length - 1;
    problems.push(...await manifestProblems(relative(root, file), text));
    objects.push(...parseAllDocuments(text).flatMap((d) => d.errors.length ? [] : [d.toJSON()]));
  }
  for (const { file, document, message } of problems) {
    console.error(`k8s manifests: ${file}, document ${document + 1}: ${message}`);
  }
  const broken = referenceProblems(objects.filter((o) => o && typeof o === "object"));
  for (const message of broken) console.error(`k8s manifests: ${message}`);
  if (files.length === 0) console.error(`k8s manifests: no YAML under ${manifestsDir}/`);
  if (problems.length > 0 || broken.length > 0 || files.length === 0) Deno.exit(1);
  console.log(`k8s manifests: ${documents} objects in ${files.length} files valid`);
}
