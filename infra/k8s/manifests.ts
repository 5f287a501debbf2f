/**
 * Kubernetes manifests made from the registry (services/registry.ts), as infra/compose.ts makes
 * compose.yaml: deploy/k8s/*.yaml, applied in their names' order with
 * `kubectl apply -f deploy/k8s/`, and deploy/k8s/templates/secrets.yaml, the Secrets they read
 * with placeholders (never applied as they are: fill them, or let `deno task k8s:secrets` write
 * real ones). `deno task generate` writes them; infra/k8s/manifests_test.ts fails while they differ,
 * and `deno task check` validates them against the Kubernetes schemas (infra/k8s/validate.ts).
 */
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { registry } from "../../services/registry.ts";
import type { ServiceModule } from "../../shared/runtime/mod.ts";
import { natsObjects } from "./nats.ts";
import { postgresObjects } from "./postgres.ts";
import {
  natsAuthorizationPlaceholder,
  placeholder,
  placeholders,
  platformSecrets,
} from "./secrets.ts";
import {
  gatewayService,
  platformConfig,
  serviceConfig,
  serviceDeployment,
  serviceDisruptionBudget,
} from "./services.ts";

/** Where the manifests are written, from the repository's root. */
export const manifestsDir = "deploy/k8s";

/** Anything `toJSON()` turns into a Kubernetes object. */
interface KubernetesObject {
  toJSON(): unknown;
}

const header = (what: string) =>
  `# Made from services/registry.ts by infra/k8s/manifests.ts: edit those, then run
# deno task generate (docs/kubernetes.md says how to apply it). ${what}
`;

/**
 * Objects as one YAML file of several documents, after `heading` (comment lines), by default the
 * generated files' header saying what they are.
 */
export function yamlDocuments(
  what: string,
  objects: readonly KubernetesObject[],
  heading = header(what),
): string {
  const documents = objects.map((object) =>
    // lineWidth 0: no folding, so the embedded configuration files stay as they are.
    stringify(object.toJSON(), { lineWidth: 0 })
  );
  return heading + documents.map((document) => `---\n${document}`).join("");
}

/** The manifests' text by path under `manifestsDir`. */
export function manifestFiles(services: readonly ServiceModule[] = registry): Map<string, string> {
  const files = new Map<string, string>();
  files.set(
    "10-config.yaml",
    yamlDocuments(
      "Settings: every service's, then each one's own.",
      [platformConfig(), ...services.map((s) => serviceConfig(s.name))],
    ),
  );
  files.set(
    "20-nats.yaml",
    yamlDocuments("Three NATS servers with JetStream, clustered.", natsObjects()),
  );
  files.set(
    "30-postgres.yaml",
    yamlDocuments(
      "Postgres with a schema and two roles per service (omit it for a managed one).",
      postgresObjects(services),
    ),
  );
  for (const service of services) {
    files.set(
      `40-${service.name}.yaml`,
      yamlDocuments(`The ${service.name} service.`, [
        serviceDeployment(service),
        serviceDisruptionBudget(service.name),
        ...(service.name === "gateway" ? [gatewayService()] : []),
      ]),
    );
  }
  files.set(
    "templates/secrets.yaml",
    yamlDocuments(
      "PLACEHOLDERS: fill in and apply with kubectl apply -f, or run deno task k8s:secrets.",
      platformSecrets(services, placeholders, natsAuthorizationPlaceholder, placeholder),
    ),
  );
  return files;
}

if (import.meta.main) {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const files = manifestFiles();
  for (const [path, text] of files) {
    const file = join(root, manifestsDir, path);
    await Deno.mkdir(dirname(file), { recursive: true });
    await Deno.writeTextFile(file, text);
  }
  console.log(`k8s: wrote ${files.size} files to ${manifestsDir}/ (${registry.length} services)`);
}
