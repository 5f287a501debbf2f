/**
 * compose.yaml, made from the registry (services/registry.ts): NATS, the trace viewer and
 * Postgres, then one container per service, all from the one Dockerfile. A service with
 * migrations gets its own database URLs (its roles of infra/postgres/init.sql) and waits for
 * Postgres; only the gateway is published. `deno run --allow-read --allow-write
 * infra/compose.ts` writes it; tests/compose_test.ts fails while the file differs.
 */
import { fileURLToPath } from "node:url";
import { registry } from "../services/registry.ts";
import type { ServiceModule } from "../shared/runtime/mod.ts";
import { seedVariable } from "./nats/compose_credentials.ts";
import { bridgeName } from "./nats/bridge_permissions.ts";

/** What a missing seed's error says. */
const credentialsHint = "run deno task credentials, see docs/configuration.md";

/** The one service reachable from the host, on this port. */
const published = { name: "gateway", hostPort: 8080 };

/** The nodes of the `cluster` profile's NATS: nats-1, nats-2, nats-3. */
export const clusterNodes = [1, 2, 3].map((n) => `nats-${n}`);

/** NATS_URL for the services with the `cluster` profile: the three nodes. */
export const clusterNatsUrl = clusterNodes.map((node) => `nats://${node}:4222`).join(",");

const header = `# Made from services/registry.ts by infra/compose.ts: edit those, then run
# deno run --allow-read --allow-write infra/compose.ts
#
# The stack in containers: NATS (JetStream, WebSocket), Postgres with a schema and two roles
# per service (infra/postgres/init.sql), and one container per service of the registry, all from
# the one Dockerfile. Only the gateway is published: http://localhost:${published.hostPort}.
#
# POSTGRES_PASSWORD below is a dev-only default: set it for anything else. TOKEN_SIGNING_KEY
# (users signs access tokens with it) has none: make one as docs/configuration.md says.
# NATS refuses anonymous clients: \`deno task credentials\` makes each service's NKey seed and the
# operator's, and the server's authorization (.data/compose/); then
# docker compose --env-file .data/compose/credentials.env up --build
# A three-node NATS cluster instead of the one server: add --profile cluster and set
# NATS_URL=${clusterNatsUrl} (docs/kubernetes.md).
`;

/**
 * Variables only one service gets: the users service alone holds the private key access tokens
 * are signed with; the gateway asks users for the public keys.
 */
const ownEnv: Record<string, string[]> = {
  // The admin routes act as the operator, on a NATS connection of that identity's own.
  gateway: [`OPERATOR_NKEY_SEED: "\${${seedVariable("operator")}:?${credentialsHint}}"`],
  users: [
    'TOKEN_SIGNING_KEY: "\${TOKEN_SIGNING_KEY:?make one as docs/configuration.md says}"',
    'TOKEN_RETIRED_KEYS: "\${TOKEN_RETIRED_KEYS:-[]}"',
  ],
};

const infrastructure = `# NATS_URL: one server unless told; --profile cluster: the three nodes.
x-service-env: &service-env
  NATS_URL: \${NATS_URL:-nats://nats:4222}
  # Traces, metrics and logs to the trace viewer over OTLP (Deno's built-in OpenTelemetry).
  OTEL_DENO: "true"
  OTEL_EXPORTER_OTLP_ENDPOINT: http://jaeger:4318
  OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf
  LOG_LEVEL: \${LOG_LEVEL:-info}

x-service: &service
  restart: unless-stopped
  environment: *service-env
  depends_on:
    nats:
      condition: service_healthy
  healthcheck:
    test:
      - CMD
      - deno
      - eval
      - --no-config
      - "const r = await fetch('http://127.0.0.1:8000/health'); Deno.exit(r.ok ? 0 : 1)"
    interval: 10s
    timeout: 3s
    start_period: 30s
    retries: 3

x-needs-postgres: &needs-postgres
  nats:
    condition: service_healthy
  postgres:
    condition: service_healthy

services:
  nats:
    image: nats:2.10-alpine
    command: ["nats-server", "--config", "/etc/nats/nats-server.conf"]
    volumes:
      - ./infra/nats/compose.conf:/etc/nats/nats-server.conf:ro
      # Made by deno task credentials: every identity and its permissions.
      - ./.data/compose/nats-authorization.conf:/etc/nats/authorization.conf:ro
      - nats-data:/data
    ports:
      - "4222:4222"
      - "9222:9222"
      - "8222:8222"
    healthcheck:
      test: ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:8222/healthz"]
      interval: 5s
      timeout: 3s
      retries: 10

  # The trace viewer: OTLP in on 4317 (gRPC) and 4318 (HTTP), the UI on http://localhost:16686.
  jaeger:
    image: jaegertracing/all-in-one:1.62.0
    environment:
      COLLECTOR_OTLP_ENABLED: "true"
    ports:
      - "16686:16686"
      - "4317:4317"
      - "4318:4318"

  postgres:
    image: postgres:16-alpine
    environment:
      POSTGRES_DB: app
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD:-postgres}
    volumes:
      # Runs once, when the volume is empty.
      - ./infra/postgres/init.sql:/docker-entrypoint-initdb.d/init.sql:ro
      - postgres-data:/var/lib/postgresql/data
    healthcheck:
      # Over TCP: during the init scripts the server listens on its socket only.
      test: ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", "postgres", "-d", "app"]
      interval: 5s
      timeout: 3s
      retries: 10
`;

/**
 * A three-node NATS cluster with JetStream, only with the `cluster` profile: each node its own
 * volume, routed to the others (infra/nats/compose_cluster.conf), its client port published on
 * 4223–4225. Compose cannot switch the services' variables by profile: NATS_URL does it.
 */
function clusterNodeBlock(node: string, index: number): string {
  const comment = index > 0 ? "" : `  # A three-node NATS cluster: NATS_URL=${clusterNatsUrl}
  # docker compose --profile cluster up (the single nats still starts; the services use the
  # cluster). Streams get three replicas there; any one node may stop.
`;
  return `${comment}  ${node}:
    image: nats:2.10-alpine
    profiles: ["cluster"]
    command: ["nats-server", "--config", "/etc/nats/nats-server.conf"]
    environment:
      SERVER_NAME: ${node}
    volumes:
      - ./infra/nats/compose_cluster.conf:/etc/nats/nats-server.conf:ro
      - ./.data/compose/nats-authorization.conf:/etc/nats/authorization.conf:ro
      - ${node}-data:/data
    ports:
      - "${4223 + index}:4222"
    healthcheck:
      test: ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:8222/healthz?js-enabled-only=true"]
      interval: 5s
      timeout: 3s
      retries: 20
`;
}

/**
 * The bridge (bridge/main.ts), for services deployed to an edge runtime: only with the `edge`
 * profile, from the same image, its settings from the environment (its own checks say what is
 * missing), its identity from `BRIDGE_SERVICES=… deno task credentials`.
 */
const bridgeBlock =
  `  # The bridge, for services deployed to an edge runtime (there TRANSPORT=bridge and the bridge's
  # public key): BRIDGE_SERVICES=orders=https://orders.example.deno.dev,… and BRIDGE_SIGNING_KEY
  # set, \`BRIDGE_SERVICES=… deno task credentials\` run, then docker compose --profile edge up.
  bridge:
    <<: *service
    profiles: ["edge"]
    build:
      context: .
      args:
        SERVICE: gateway
    command: ["deno", "run", "--allow-net", "--allow-env", "--allow-read", "bridge/main.ts"]
    environment:
      <<: *service-env
      NATS_NKEY_SEED: "\${${seedVariable(bridgeName)}:-}"
      BRIDGE_SERVICES: "\${BRIDGE_SERVICES:-}"
      BRIDGE_SIGNING_KEY: "\${BRIDGE_SIGNING_KEY:-}"
      BRIDGE_TICK_MS: "\${BRIDGE_TICK_MS:-10000}"
      OTEL_SERVICE_NAME: ${bridgeName}
`;

/** The text of compose.yaml for `services`. */
export function composeFile(services: readonly ServiceModule[] = registry): string {
  const volumes = ["nats-data", "postgres-data", ...clusterNodes.map((node) => `${node}-data`)];
  return [
    header,
    infrastructure,
    ...clusterNodes.map(clusterNodeBlock),
    ...services.map(serviceBlock),
    bridgeBlock,
  ].join("\n") + `\nvolumes:\n${volumes.map((volume) => `  ${volume}:\n`).join("")}`;
}

function serviceBlock({ name, migrations }: ServiceModule): string {
  const lines = [
    `  ${name}:`,
    "    <<: *service",
    "    build:",
    "      context: .",
    "      args:",
    `        SERVICE: ${name}`,
    "    environment:",
    "      <<: *service-env",
    // Its own NATS identity, and no other's.
    `      NATS_NKEY_SEED: "\${${seedVariable(name)}:?${credentialsHint}}"`,
  ];
  if (migrations) {
    lines.push(
      `      ${name.toUpperCase()}_DATABASE_URL: postgres://${name}:${name}@postgres:5432/app`,
      // Migrates as the schema's owner, then runs as the role above, which may create nothing.
      `      ${name.toUpperCase()}_MIGRATION_DATABASE_URL: ` +
        `postgres://${name}_owner:${name}_owner@postgres:5432/app`,
    );
  }
  lines.push(...(ownEnv[name] ?? []).map((line) => `      ${line}`));
  lines.push(`      OTEL_SERVICE_NAME: ${name}`);
  if (migrations) lines.push("    depends_on: *needs-postgres");
  if (name === published.name) {
    lines.push("    ports:", `      - "${published.hostPort}:8000"`);
  }
  return lines.join("\n") + "\n";
}

if (import.meta.main) {
  const file = fileURLToPath(new URL("../compose.yaml", import.meta.url));
  await Deno.writeTextFile(file, composeFile());
  console.log(`compose: wrote ${file} (${registry.length} services)`);
}
