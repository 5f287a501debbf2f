/**
 * Postgres in the cluster, for a deployment without a managed one: a single-pod StatefulSet with a
 * volume, reached as `postgres:5432`. On its first start (an empty volume) the image's entrypoint
 * runs infra/postgres/init.sql (a schema and two roles per service) and then sets each role's
 * password to the one in its service's database URL, so a password is set in one place: the
 * service's Secret. With a managed Postgres, drop these objects, run init.sql there once, set the
 * passwords, and point the URLs in the Secrets at it (docs/kubernetes.md).
 */
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import type { ServiceModule } from "../../shared/runtime/mod.ts";
import { postgresInitFile } from "../postgres_init.ts";
import { platformLabels, selectorLabels } from "./platform.ts";
import { credentialsSecretName, database, postgresSecret } from "./secrets.ts";

const name = "postgres";

/** The variables the password script reads: each service's two URLs, from its Secret. */
function urlVariables(services: readonly ServiceModule[]) {
  return services.filter((s) => s.migrations).flatMap((s) =>
    ["DATABASE_URL", "MIGRATION_DATABASE_URL"].map((key) => ({
      variable: `${s.name.toUpperCase()}_${key}`,
      role: key === "DATABASE_URL" ? s.name : `${s.name}_owner`,
      secret: credentialsSecretName(s.name),
      key,
    }))
  );
}

/** The password in a Postgres URL, for SQL's `substring(url from …)`; the last `@` ends it. */
export const urlPasswordPattern = "^postgres(?:ql)?://[^:/@]+:(.+)@[^@]+$";

/**
 * psql script: each role's password from the URL in `variable` (`postgres://role:password@…`,
 * the password URL-safe, not percent-encoded). A missing or malformed URL stops the script.
 */
export function rolePasswordsScript(services: readonly ServiceModule[]): string {
  const lines = [
    "-- Made by infra/k8s/postgres.ts. Each role's password is the one in its service's URL",
    "-- (the Secret <service>-credentials), so it is set in one place.",
    "\\set ON_ERROR_STOP on",
  ];
  for (const { variable, role } of urlVariables(services)) {
    lines.push(
      `\\getenv url ${variable}`,
      `SELECT substring(:'url' from '${urlPasswordPattern}') AS password \\gset`,
      `ALTER ROLE "${role}" PASSWORD :'password';`,
      "\\unset password",
    );
  }
  return lines.join("\n") + "\n";
}

/** Every object of the in-cluster Postgres. */
export function postgresObjects(services: readonly ServiceModule[]) {
  const labels = platformLabels(name, "postgres");
  const init = new ConfigMap({
    metadata: { name: `${name}-init`, labels },
    data: {
      // Run in this order by the image's entrypoint, on an empty volume only.
      "10-roles.sql": postgresInitFile(services),
      "20-role-passwords.sql": rolePasswordsScript(services),
    },
  });
  const service = new Service({
    metadata: { name, labels },
    spec: {
      selector: selectorLabels(name),
      ports: [{ name: "postgres", port: database.port, targetPort: "postgres" }],
    },
  });
  const pgIsReady = {
    exec: { command: ["pg_isready", "-h", "127.0.0.1", "-U", "postgres", "-d", database.name] },
  };
  const statefulSet = new StatefulSet({
    metadata: { name, labels },
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 60,
          containers: [{
            name,
            image: "postgres:16-alpine",
            ports: [{ name: "postgres", containerPort: database.port }],
            env: [
              { name: "POSTGRES_DB", value: database.name },
              {
                name: "POSTGRES_PASSWORD",
                valueFrom: {
                  secretKeyRef: { name: postgresSecret.name, key: postgresSecret.key },
                },
              },
              // A folder inside the volume: its root may hold lost+found, which initdb refuses.
              { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
              ...urlVariables(services).map(({ variable, secret, key }) => ({
                name: variable,
                valueFrom: { secretKeyRef: { name: secret, key } },
              })),
            ],
            readinessProbe: { ...pgIsReady, periodSeconds: 5 },
            livenessProbe: { ...pgIsReady, periodSeconds: 20, failureThreshold: 6 },
            resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "2Gi" } },
            volumeMounts: [
              { name: "init", mountPath: "/docker-entrypoint-initdb.d", readOnly: true },
              { name: "data", mountPath: "/var/lib/postgresql/data" },
            ],
          }],
          volumes: [{ name: "init", configMap: { name: `${name}-init` } }],
        },
      },
      volumeClaimTemplates: [{
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } } },
      }],
    },
  });
  return [init, service, statefulSet];
}
