/**
 * The NATS identities of a stack: one NKey user per service of the registry plus the operator's,
 * made once and kept as files (one seed per file, mode 0600), and the server's `authorization`
 * block made from them and the services' declarations. The dev runner, `deno task credentials`
 * (compose) and the test harness all make them here.
 */
import { join } from "node:path";
import { createUser, fromSeed } from "@nats-io/nkeys";
import {
  authorizationBlock,
  type ConfiguredUser,
  type DeclaredService,
  operatorName,
  operatorPermissions,
  servicePermissions,
} from "./permissions.ts";

/** An identity on NATS: its name, its secret seed (`SU…`) and its public key (`U…`). */
export interface Identity {
  name: string;
  seed: string;
  publicKey: string;
}

/** A new NKey user named `name`. */
export function createIdentity(name: string): Identity {
  const user = createUser();
  return {
    name,
    seed: new TextDecoder().decode(user.getSeed()),
    publicKey: user.getPublicKey(),
  };
}

/** The identity of `seed` (`SU…`), named `name`. Throws for a seed that is not an NKey user's. */
export function identityOf(name: string, seed: string): Identity {
  const publicKey = fromSeed(new TextEncoder().encode(seed.trim())).getPublicKey();
  if (!publicKey.startsWith("U")) throw new Error(`${name}: the seed is not a user's (SU…)`);
  return { name, seed: seed.trim(), publicKey };
}

/** Where `deno task dev` keeps a stack's seeds: `<dataDir>/credentials`. */
export function credentialsDir(dataDir: string): string {
  return join(dataDir, "credentials");
}

/** The file that holds `name`'s seed under `dir`. */
export function seedFile(dir: string, name: string): string {
  return join(dir, `${name}.nk`);
}

/**
 * The identities named `names`, read from `<dir>/<name>.nk`; one whose file is missing is made
 * and written (mode 0600, `dir` made 0700 when missing), so a second run finds the same keys.
 * Throws for a file that holds no user seed.
 */
export async function loadOrCreateIdentities(
  dir: string,
  names: readonly string[],
): Promise<Map<string, Identity>> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const identities = new Map<string, Identity>();
  for (const name of names) {
    const file = seedFile(dir, name);
    let identity: Identity;
    try {
      identity = identityOf(name, await Deno.readTextFile(file));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      identity = createIdentity(name);
      await Deno.writeTextFile(file, identity.seed + "\n", { mode: 0o600 });
    }
    identities.set(name, identity);
  }
  return identities;
}

/** The names of a stack's identities: every service's, then the operator's. */
export function identityNames(services: readonly DeclaredService[]): string[] {
  return [...services.map((s) => s.name), operatorName];
}

/**
 * The users of the server's configuration: each service with the permissions made from its
 * declaration, the operator with its own, and any `extra` as given. Throws what the permission
 * generator throws, and for a service or the operator without an identity.
 */
export function configuredUsers(
  services: readonly DeclaredService[],
  identities: ReadonlyMap<string, Identity>,
  extra: readonly ConfiguredUser[] = [],
): ConfiguredUser[] {
  const keyOf = (name: string) => {
    const identity = identities.get(name);
    if (!identity) throw new Error(`no NATS identity for ${name}`);
    return identity.publicKey;
  };
  return [
    ...services.map((service) => ({
      name: service.name,
      publicKey: keyOf(service.name),
      permissions: servicePermissions(service, services),
    })),
    {
      name: operatorName,
      publicKey: keyOf(operatorName),
      permissions: operatorPermissions(services),
    },
    ...extra,
  ];
}

/** The `authorization` block for `services`' and the operator's identities (see above). */
export function authorizationConfig(
  services: readonly DeclaredService[],
  identities: ReadonlyMap<string, Identity>,
  extra: readonly ConfiguredUser[] = [],
): string {
  return authorizationBlock(configuredUsers(services, identities, extra));
}
