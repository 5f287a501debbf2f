/**
 * `deno task k8s:secrets`: the Secrets of deploy/k8s/templates/secrets.yaml with real values, in
 * `.data/k8s/secrets.yaml` (mode 0600, never committed), for `kubectl apply -f` it. Made once and
 * kept under `.data/k8s/`, so a second run writes the same values: an NKey seed per service and the
 * operator's (`credentials/`), the NATS servers' authorization from them and the services'
 * declarations, the users service's token signing key, and a random password per Postgres role
 * and for its superuser (`postgres-passwords.json`, hex: safe in a URL unescaped). Run it again
 * after adding a service or changing a declaration: the keys stay, the permissions follow.
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { registry } from "../../services/registry.ts";
import { authorizationConfig, identityNames, loadOrCreateIdentities } from "../nats/credentials.ts";
import { operatorName } from "../nats/permissions.ts";
import { databaseOwners } from "../postgres_init.ts";
import { devSigningKey } from "../dev/signing_key.ts";
import { yamlDocuments } from "./manifests.ts";
import type { Secret } from "kubernetes-models/v1/Secret";
import { type CredentialValue, database, platformSecrets } from "./secrets.ts";

/** The superuser's entry in the passwords file. */
const superuser = "postgres";

/** The passwords in `file`, one per name of `names`; a missing one is made and the file rewritten. */
async function loadOrCreatePasswords(
  file: string,
  names: readonly string[],
): Promise<Record<string, string>> {
  let passwords: Record<string, string> = {};
  try {
    passwords = JSON.parse(await Deno.readTextFile(file));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const missing = names.filter((name) => !passwords[name]);
  for (const name of missing) {
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    passwords[name] = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  if (missing.length > 0) {
    await Deno.writeTextFile(file, JSON.stringify(passwords, null, 2) + "\n", { mode: 0o600 });
  }
  return passwords;
}

/**
 * The platform's Secrets with the values kept under `dir` (made there first when missing). Throws
 * when a service's Secret has a key it cannot fill.
 */
export async function filledSecrets(dir: string): Promise<Secret[]> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const identities = await loadOrCreateIdentities(
    join(dir, "credentials"),
    identityNames(registry),
  );
  const passwords = await loadOrCreatePasswords(
    join(dir, "postgres-passwords.json"),
    [...databaseOwners(registry).flatMap((owner) => [owner, `${owner}_owner`]), superuser],
  );
  const { key: signingKey } = await devSigningKey(dir);
  const url = (role: string) =>
    `postgres://${role}:${passwords[role]}@${database.host}:${database.port}/${database.name}`;
  const value: CredentialValue = (service, key) => {
    switch (key) {
      case "NATS_NKEY_SEED":
        return identities.get(service)!.seed;
      case "OPERATOR_NKEY_SEED":
        return identities.get(operatorName)!.seed;
      case "DATABASE_URL":
        return url(service);
      case "MIGRATION_DATABASE_URL":
        return url(`${service}_owner`);
      case "TOKEN_SIGNING_KEY":
        return signingKey;
    }
    throw new Error(`k8s secrets: no value for ${service}'s ${key}`);
  };
  return platformSecrets(
    registry,
    value,
    "# Made by deno task k8s:secrets from the registry's declarations.\n" +
      authorizationConfig(registry, identities),
    passwords[superuser],
  );
}

if (import.meta.main) {
  const dir = fileURLToPath(new URL("../../.data/k8s", import.meta.url));
  const secrets = await filledSecrets(dir);
  const file = join(dir, "secrets.yaml");
  await Deno.writeTextFile(
    file,
    yamlDocuments(
      "",
      secrets,
      "# Made by deno task k8s:secrets (infra/k8s/fill_secrets.ts). REAL SECRETS: never commit.\n",
    ),
    {
      mode: 0o600,
    },
  );
  await Deno.chmod(file, 0o600);
  console.log(`k8s secrets: ${secrets.length} Secrets written to ${file}`);
  console.log(`  kubectl apply -f ${file}`);
}
