/**
 * `deno task credentials`: the NATS identities for compose.yaml. Makes (once) an NKey seed per
 * service of the registry and the operator's under `.data/compose/credentials/`, then writes, from
 * them and the services' declarations:
 * - `.data/compose/nats-authorization.conf`, which the nats container includes (compose.conf);
 * - `.data/compose/credentials.env`, `<SERVICE>_NKEY_SEED=…` and `OPERATOR_NKEY_SEED=…` (mode
 *   0600), for `docker compose --env-file .data/compose/credentials.env up`.
 * With BRIDGE_SERVICES set (the bridge's variable, `orders=https://…,…`), also the bridge's
 * identity (`BRIDGE_NKEY_SEED`), permitted exactly what those services need (bridge_permissions.ts).
 * Run it again after adding a service or changing a declaration: the keys stay, the permissions
 * follow the code. `.data/` is never committed; in a deployment the seeds come from its secrets.
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { registry } from "../../services/registry.ts";
import { authorizationConfig, identityNames, loadOrCreateIdentities } from "./credentials.ts";
import { bridgeName, bridgePermissions } from "./bridge_permissions.ts";
import { carriedServices } from "../../bridge/config.ts";

/** The variable compose.yaml reads `name`'s seed from: `USERS_NKEY_SEED`, `OPERATOR_NKEY_SEED`. */
export function seedVariable(name: string): string {
  return `${name.toUpperCase().replaceAll("-", "_")}_NKEY_SEED`;
}

if (import.meta.main) {
  const dir = fileURLToPath(new URL("../../.data/compose", import.meta.url));
  const bridgeServices = Deno.env.get("BRIDGE_SERVICES");
  const carried = bridgeServices ? carriedServices.parse(bridgeServices).map((c) => c.name) : [];
  const identities = await loadOrCreateIdentities(
    join(dir, "credentials"),
    [...identityNames(registry), ...(carried.length ? [bridgeName] : [])],
  );
  const bridge = carried.length
    ? [{
      name: bridgeName,
      publicKey: identities.get(bridgeName)!.publicKey,
      permissions: bridgePermissions(carried, registry),
    }]
    : [];
  const conf = join(dir, "nats-authorization.conf");
  await Deno.writeTextFile(
    conf,
    "# Made by deno task credentials from the registry's declarations: do not edit.\n" +
      authorizationConfig(registry, identities, bridge),
  );
  const envFile = join(dir, "credentials.env");
  await Deno.writeTextFile(
    envFile,
    [...identities.values()].map((i) => `${seedVariable(i.name)}=${i.seed}\n`).join(""),
    { mode: 0o600 },
  );
  await Deno.chmod(envFile, 0o600);
  console.log(`credentials: ${identities.size} identities; wrote ${conf} and ${envFile}`);
  console.log(`  docker compose --env-file ${envFile} up --build`);
}
