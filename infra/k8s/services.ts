/**
 * The Kubernetes objects of each service of the registry: its ConfigMap, its Deployment (two
 * replicas, rolling one pod at a time; readiness on /ready, liveness on /health; a pre-stop wait
 * and a grace period longer than its drain; a migrate init container as the schema's owner), its
 * PodDisruptionBudget, and a Service for the gateway, the one reached over HTTP. Every service
 * also serves /metrics on the same port, announced for Prometheus by pod annotations.
 */
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IContainer as Container } from "kubernetes-models/v1/Container";
import type { IEnvVar as EnvVar } from "kubernetes-models/v1/EnvVar";
import type { IResourceRequirements as Resources } from "kubernetes-models/v1/ResourceRequirements";
import type { ServiceModule } from "../../shared/runtime/mod.ts";
import { natsClientUrls } from "./nats.ts";
import {
  httpPort,
  imageOf,
  platformLabels,
  preStopSeconds,
  selectorLabels,
  stopTimeoutMs,
  terminationGraceSeconds,
} from "./platform.ts";
import { credentialKeys, credentialsSecretName } from "./secrets.ts";

/** The ConfigMap every service reads: where NATS is, how to serve, log and stop. */
export const platformConfigName = "platform-config";

/** Pods of a stateless service: two, so one can restart or move while the other answers. */
const replicas = 2;

/** The uid and gid of the `deno` user of the image (denoland/deno). */
const denoUser = 1993;

/**
 * Requests and limits unless a service has its own. Measured on the 2-core dev machine: a service
 * holds 90-95 MB resident idle; under 1,600 requests/s through the gateway, the gateway 176 MB
 * and catalog 168 MB. The limit leaves room for the heap to grow before the pod is killed.
 */
const defaultResources: Resources = {
  requests: { cpu: "100m", memory: "192Mi" },
  limits: { memory: "512Mi" },
};

/** Services that need more: users hashes passwords (PBKDF2), the gateway takes all traffic. */
const ownResources: Record<string, Resources> = {
  users: { requests: { cpu: "250m", memory: "192Mi" }, limits: { memory: "512Mi" } },
  gateway: { requests: { cpu: "250m", memory: "192Mi" }, limits: { memory: "512Mi" } },
};

/** Settings one service alone reads, with their defaults (secrets are in its Secret). */
const ownSettings: Record<string, Record<string, string>> = {
  // Public parts of retired signing keys: public, so configuration (docs/configuration.md).
  users: { TOKEN_RETIRED_KEYS: "[]", ADMIN_EMAILS: "" },
};

/** The settings of every service: the three NATS servers, HTTP in the container, the drain. */
export function platformConfig(): ConfigMap {
  return new ConfigMap({
    metadata: { name: platformConfigName, labels: { "app.kubernetes.io/part-of": "shop" } },
    data: {
      NATS_URL: natsClientUrls().join(","),
      HTTP_HOST: "0.0.0.0",
      HTTP_PORT: String(httpPort),
      STOP_TIMEOUT_MS: String(stopTimeoutMs),
      // The migrate init container applies migrations before the service starts.
      MIGRATE_ON_START: "false",
      LOG_LEVEL: "info",
      // Six services with data, two pods each and one more during a rollout: 18 x 5 = 90
      // connections, under the Postgres StatefulSet's max_connections (100) with room for the
      // migrate init containers and an operator (docs/production.md).
      DATABASE_POOL_SIZE: "5",
      // Set to "true" with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a collector to export traces.
      OTEL_DENO: "false",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    },
  });
}

/** The ConfigMap of `name`: its own settings and its name in telemetry. */
export function serviceConfig(name: string): ConfigMap {
  return new ConfigMap({
    metadata: { name: `${name}-config`, labels: platformLabels(name, "service") },
    data: { OTEL_SERVICE_NAME: name, ...ownSettings[name] },
  });
}

function secretEnv(service: string, key: string, as = key): EnvVar {
  return { name: as, valueFrom: { secretKeyRef: { name: credentialsSecretName(service), key } } };
}

/**
 * A service's readiness path: `/ready`, and for the gateway `/ready?scope=self` (its own NATS
 * connection), since its plain `/ready` also asks every service it routes to.
 */
export function readinessPath(service: string): string {
  return service === "gateway" ? "/ready?scope=self" : "/ready";
}

/** The Deployment of `service`. */
export function serviceDeployment(service: ServiceModule): Deployment {
  const { name, migrations } = service;
  const secrets = credentialKeys(service).filter((key) => key !== "MIGRATION_DATABASE_URL");
  const probe = (path: string) => ({ httpGet: { path, port: "http" } });
  return new Deployment({
    metadata: { name, labels: platformLabels(name, "service") },
    spec: {
      replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(name) },
      // One new pod ready before an old one stops: a rollout never drops below `replicas`.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: platformLabels(name, "service"),
          annotations: {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(httpPort),
            "prometheus.io/path": "/metrics",
          },
        },
        spec: {
          terminationGracePeriodSeconds: terminationGraceSeconds,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: denoUser,
            runAsGroup: denoUser,
            seccompProfile: { type: "RuntimeDefault" },
          },
          topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: selectorLabels(name) },
          }],
          ...(migrations ? { initContainers: [migrateContainer(name)] } : {}),
          containers: [{
            name,
            image: imageOf(name),
            imagePullPolicy: "IfNotPresent",
            ports: [{ name: "http", containerPort: httpPort }],
            envFrom: [
              { configMapRef: { name: platformConfigName } },
              { configMapRef: { name: `${name}-config` } },
            ],
            env: secrets.map((key) => secretEnv(name, key)),
            // Started: /health answers. Ready: NATS, its database and its consumers answer (503
            // while draining); the gateway's own NATS alone, as one service down must not take
            // every gateway pod out of its Service. Alive: the process answers at all.
            startupProbe: { ...probe("/health"), periodSeconds: 2, failureThreshold: 30 },
            readinessProbe: {
              ...probe(readinessPath(name)),
              periodSeconds: 5,
              timeoutSeconds: 2,
              failureThreshold: 2,
            },
            livenessProbe: {
              ...probe("/health"),
              periodSeconds: 10,
              timeoutSeconds: 3,
              failureThreshold: 3,
            },
            lifecycle: { preStop: { exec: { command: ["sleep", String(preStopSeconds)] } } },
            resources: ownResources[name] ?? defaultResources,
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { drop: ["ALL"] },
            },
          }],
        },
      },
    },
  });
}

/**
 * Applies the service's migrations as its schema's owner (infra/migrate.ts), so the owner's
 * password never reaches the long-running container, which starts with MIGRATE_ON_START=false.
 */
function migrateContainer(name: string): Container {
  return {
    name: "migrate",
    image: imageOf(name),
    imagePullPolicy: "IfNotPresent",
    command: [
      "deno",
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "infra/migrate.ts",
      name,
    ],
    env: [secretEnv(name, "MIGRATION_DATABASE_URL")],
    resources: { requests: { cpu: "50m", memory: "96Mi" }, limits: { memory: "256Mi" } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}

/** At most one of `name`'s pods is evicted at a time (a node drain, a cluster upgrade). */
export function serviceDisruptionBudget(name: string): PodDisruptionBudget {
  return new PodDisruptionBudget({
    metadata: { name, labels: platformLabels(name, "service") },
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(name) } },
  });
}

/** The gateway's Service: port 80 to its pods' HTTP port; put an Ingress or a LoadBalancer on it. */
export function gatewayService(name = "gateway"): Service {
  return new Service({
    metadata: { name, labels: platformLabels(name, "service") },
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(name),
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    },
  });
}
