/**
 * NATS on Kubernetes: three nats-server pods with JetStream in a StatefulSet, routed to each other
 * through a headless Service (`nats-0.nats` … `nats-2.nats`), each with its own volume for its
 * store, and at most one of them evicted at a time (an R3 stream keeps its quorum of two). Clients
 * sign in with the NKeys of `deno task credentials`; the server's authorization comes from the
 * `nats-authorization` Secret. On stop a server enters lame duck mode first, so clients move to
 * the other two before it goes.
 */
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { partOf, platformLabels, selectorLabels } from "./platform.ts";
import { natsAuthorizationSecret } from "./secrets.ts";

const name = "nats";
const nodes = 3;
const image = "nats:2.10-alpine";
const ports = { client: 4222, cluster: 6222, monitor: 8222 };
const pidFile = "/var/run/nats/nats.pid";

/** The servers' client URLs, one per pod, for the services' NATS_URL. */
export function natsClientUrls(): string[] {
  return podNames().map((pod) => `nats://${pod}.${name}:${ports.client}`);
}

function podNames(): string[] {
  return Array.from({ length: nodes }, (_, i) => `${name}-${i}`);
}

/**
 * The server's configuration; `$SERVER_NAME` is the pod's name (set from the pod's metadata).
 * Lame duck mode spreads clients to the other servers over 30 s, started 10 s after the signal.
 */
export function natsServerConfig(): string {
  const routes = podNames().map((pod) => `    nats://${pod}.${name}:${ports.cluster}`);
  return [
    "server_name: $SERVER_NAME",
    `listen: 0.0.0.0:${ports.client}`,
    `http: 0.0.0.0:${ports.monitor}`,
    `pid_file: "${pidFile}"`,
    "lame_duck_duration: 30s",
    "lame_duck_grace_period: 10s",
    "",
    "jetstream {",
    '  store_dir: "/data/jetstream"',
    "  max_file_store: 8G",
    "}",
    "",
    "cluster {",
    `  name: ${partOf}`,
    `  listen: 0.0.0.0:${ports.cluster}`,
    "  routes: [",
    ...routes,
    "  ]",
    "}",
    "",
    "# Every client signs in with an NKey; the Secret nats-authorization holds who may do what.",
    `include "${natsAuthorizationSecret.key}"`,
    "",
  ].join("\n");
}

/** Every object of the NATS cluster. */
export function natsObjects(): (ConfigMap | Service | StatefulSet | PodDisruptionBudget)[] {
  const labels = platformLabels(name, "nats");
  const monitor = (path: string) => ({ httpGet: { path, port: "monitor" } });
  const config = new ConfigMap({
    metadata: { name: `${name}-config`, labels },
    data: { "nats.conf": natsServerConfig() },
  });
  const headless = new Service({
    metadata: { name, labels },
    spec: {
      clusterIP: "None",
      // Routes must resolve before a server is ready: the cluster forms while its pods start.
      publishNotReadyAddresses: true,
      selector: selectorLabels(name),
      ports: Object.entries(ports).map(([portName, port]) => ({
        name: portName,
        port,
        targetPort: portName,
      })),
    },
  });
  const statefulSet = new StatefulSet({
    metadata: { name, labels },
    spec: {
      serviceName: name,
      replicas: nodes,
      // All three at once: JetStream needs a quorum before any of them is healthy.
      podManagementPolicy: "Parallel",
      selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 60,
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{
                weight: 100,
                podAffinityTerm: {
                  topologyKey: "kubernetes.io/hostname",
                  labelSelector: { matchLabels: selectorLabels(name) },
                },
              }],
            },
          },
          containers: [{
            name,
            image,
            // Flags only: both the alpine image's entrypoint and the scratch image's run nats-server.
            args: ["--config", "/etc/nats/nats.conf"],
            env: [{ name: "SERVER_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
            ports: Object.entries(ports).map(([portName, port]) => ({
              name: portName,
              containerPort: port,
            })),
            // Started once its JetStream has caught up (the full /healthz), so a rolling restart
            // moves to the next server only then; as the official NATS chart does.
            startupProbe: {
              ...monitor("/healthz"),
              periodSeconds: 5,
              failureThreshold: 60,
            },
            readinessProbe: { ...monitor("/healthz?js-server-only=true"), periodSeconds: 10 },
            livenessProbe: { ...monitor("/healthz?js-enabled-only=true"), periodSeconds: 30 },
            lifecycle: { preStop: { exec: { command: ["nats-server", `-sl=ldm=${pidFile}`] } } },
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
            volumeMounts: [
              { name: "config", mountPath: "/etc/nats/nats.conf", subPath: "nats.conf" },
              {
                name: "authorization",
                mountPath: `/etc/nats/${natsAuthorizationSecret.key}`,
                subPath: natsAuthorizationSecret.key,
              },
              { name: "pid", mountPath: "/var/run/nats" },
              { name: "data", mountPath: "/data" },
            ],
          }],
          volumes: [
            { name: "config", configMap: { name: `${name}-config` } },
            { name: "authorization", secret: { secretName: natsAuthorizationSecret.name } },
            { name: "pid", emptyDir: {} },
          ],
        },
      },
      volumeClaimTemplates: [{
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } },
      }],
    },
  });
  const budget = new PodDisruptionBudget({
    metadata: { name, labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(name) } },
  });
  return [config, headless, statefulSet, budget];
}
