/**
 * The Secrets the Kubernetes manifests read, one per holder, so a pod mounts only its own
 * credentials: `<service>-credentials` for each service (its NKey seed, its database URLs, and the
 * users' signing key or the gateway's operator seed), `nats-authorization` for the NATS servers,
 * `postgres` for the database's superuser. The committed template holds placeholders only;
 * `deno task k8s:secrets` (infra/k8s/fill_secrets.ts) writes the real ones under `.data/`.
 */
import { Secret } from "kubernetes-models/v1/Secret";
import type { ServiceModule } from "../../shared/runtime/mod.ts";
import { platformLabels } from "./platform.ts";

/** What every placeholder value starts with: a service given one stops naming the variable. */
export const placeholder = "REPLACE_ME";

/**
 * What the template's NATS authorization holds: an unknown field, so nats-server refuses to start
 * on it. A comment would parse as no authorization at all, and NATS would let anyone in.
 */
export const natsAuthorizationPlaceholder =
  `${placeholder}: "the authorization block deno task k8s:secrets writes"\n`;

/** The Secret that holds `service`'s credentials. */
export function credentialsSecretName(service: string): string {
  return `${service}-credentials`;
}

/** The NATS servers' `authorization.conf` (`deno task credentials` writes it). */
export const natsAuthorizationSecret = { name: "nats-authorization", key: "authorization.conf" };

/** Postgres's superuser password, read by its image's entrypoint. */
export const postgresSecret = { name: "postgres", key: "POSTGRES_PASSWORD" };

/** Database name and host the services' URLs point at (the in-cluster Postgres). */
export const database = { name: "app", host: "postgres", port: 5432 };

/** The secret variables of `service`, each a key of its Secret and the variable it becomes. */
export function credentialKeys({ name, migrations }: ServiceModule): string[] {
  return [
    "NATS_NKEY_SEED",
    ...(migrations ? ["DATABASE_URL", "MIGRATION_DATABASE_URL"] : []),
    ...(name === "users" ? ["TOKEN_SIGNING_KEY"] : []),
    // The gateway's /admin routes act as the operator, on a connection of that identity's own.
    ...(name === "gateway" ? ["OPERATOR_NKEY_SEED"] : []),
  ];
}

/** A value for `key` of `service`: the real one from `values`, else a placeholder that says what. */
export type CredentialValue = (service: string, key: string) => string;

/** Placeholders that say what goes there, URLs shaped as the real ones. */
export const placeholders: CredentialValue = (service, key) => {
  const role = key === "MIGRATION_DATABASE_URL" ? `${service}_owner` : service;
  if (key.endsWith("DATABASE_URL")) {
    return `postgres://${role}:${placeholder}_${role}_password@${database.host}:${database.port}/${database.name}`;
  }
  return `${placeholder}_${service}_${key.toLowerCase()}`;
};

/** The Secret of `service`, its values from `value`. */
export function credentialsSecret(service: ServiceModule, value: CredentialValue): Secret {
  return new Secret({
    metadata: {
      name: credentialsSecretName(service.name),
      labels: platformLabels(service.name, "service"),
    },
    type: "Opaque",
    stringData: Object.fromEntries(
      credentialKeys(service).map((key) => [key, value(service.name, key)]),
    ),
  });
}

/** Every Secret of the platform: the services', NATS's authorization and Postgres's password. */
export function platformSecrets(
  services: readonly ServiceModule[],
  value: CredentialValue,
  natsAuthorization: string,
  postgresPassword: string,
): Secret[] {
  return [
    ...services.map((service) => credentialsSecret(service, value)),
    new Secret({
      metadata: { name: natsAuthorizationSecret.name, labels: platformLabels("nats", "nats") },
      type: "Opaque",
      stringData: { [natsAuthorizationSecret.key]: natsAuthorization },
    }),
    new Secret({
      metadata: { name: postgresSecret.name, labels: platformLabels("postgres", "postgres") },
      type: "Opaque",
      stringData: { [postgresSecret.key]: postgresPassword },
    }),
  ];
}
