/**
 * The stack for a test: a real nats-server, fresh databases, and the services of the registry
 * (services/registry.ts) started in this process with the `start` their entries boot. Services
 * can be stopped and started again to play an outage. NATS signs everyone in (NKeys) unless
 * told; with `tls` (or TEST_NATS_TLS=1 for every stack of a run) it takes TLS only, and every
 * connection of the stack trusts the server's CA through NATS_CA_FILE.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { importJWK, SignJWT } from "jose";
import type { ServiceDatabase } from "../../shared/db/client.ts";
import { connectNats, pinStreamReplicas } from "../../shared/bus/mod.ts";
import { parseConfig } from "../../shared/config/mod.ts";
import { createLogger, type LogLevel } from "../../shared/log/mod.ts";
import {
  checkBusUse,
  type RunningService,
  type ServiceModule,
  type ServiceResources,
} from "../../shared/runtime/mod.ts";
import { registry, serviceNamed } from "../../services/registry.ts";
import { generateSigningKey, type SigningJwk, signingJwk } from "../../services/users/keys.ts";
import { openDatabase } from "../../shared/db/client.ts";
import { adminUrl, type TestDatabases, testDatabases, testPoolSize } from "./databases.ts";
import { serviceInstances, type ServiceProcess } from "./processes.ts";
import {
  type NatsServer,
  type NatsServerOptions,
  startNatsServer,
  testIdentity,
} from "./nats_server.ts";
import { type NatsCluster, startNatsCluster } from "./nats_cluster.ts";
import { type Balancer, balancer } from "./balancer.ts";
import { seedPgliteDataDirs } from "./pglite_template.ts";

/** The stack's front door: every request of a test goes through it. */
const gatewayName = "gateway";

/** The registry's services behind the gateway, which a stack starts by default. */
export const backendServices: readonly string[] = registry
  .map((service) => service.name)
  .filter((name) => name !== gatewayName);
export type BackendService = string;

export interface Stack {
  nats: NatsServer;
  /** The cluster `nats` is, with `cluster: true`. */
  cluster?: NatsCluster;
  databases: TestDatabases;
  /** Where services run as processes keep PGlite, when there is no Postgres. */
  processDataDir: string;
  /** A connection of the test's own, to look into streams. */
  nc: NatsConnection;
  /** The users service's TOKEN_SIGNING_KEY: made for the stack, unless `env` gives one. */
  signingKey: SigningJwk;
  /**
   * A token signed with that key as users signs one (iss, aud, iat, exp in an hour, kid), with
   * `claims` on top: a claim set to undefined is left out.
   */
  signToken(claims?: Record<string, unknown>): Promise<string>;
  /**
   * Sends a request to the gateway, as a client would; `from` is the client's address (the rate
   * limits key by it), else none, as for every in-process request. With the gateway among
   * `processes`, over HTTP through `balancer` (`from` is then the test's own address).
   */
  request(path: string, init?: RequestInit, from?: string): Promise<Response>;
  /** With the gateway among `processes`: what sends `request`s to its instances. */
  balancer?: Balancer;
  /** A service's own database, to check invariants behind the API. */
  database(service: BackendService): Promise<ServiceDatabase>;
  /**
   * Starts a service (again); `env`: variables over the stack's for this start of a service run
   * in this process (a test that must pick a value once the stack is up); refused for a process.
   */
  start(service: BackendService, env?: Record<string, string>): Promise<void>;
  stop(service: BackendService): Promise<void>;
  /** A service's processes (see `processes`), one per instance: to kill or restart one. */
  instances(service: BackendService): readonly ServiceProcess[];
  /** Signals a service started as a process (see `processes`): SIGKILL unless told. */
  kill(service: BackendService, signal?: Deno.Signal): Promise<Deno.CommandStatus | null>;
  close(): Promise<void>;
}

const logLevel = (Deno.env.get("TEST_LOG_LEVEL") ?? "error") as LogLevel;

export interface StackOptions {
  /** The services the stack knows (default: the registry); a test adds its own here. */
  registry?: readonly ServiceModule[];
  /** Services started in this process (default: all of `registry` but the gateway). */
  services?: BackendService[];
  /**
   * Services started as processes of their own, which a test can kill. On PGlite, each opens a
   * copy of a fresh cluster in `processDataDir` (tests/harness/pglite_template.ts).
   */
  processes?: BackendService[];
  /** Instances of a service of `processes` (default 1); more than one needs Postgres. */
  instances?: Record<BackendService, number>;
  /** True: a three-node NATS cluster (tests/harness/nats_cluster.ts) instead of one server. */
  cluster?: boolean;
  env?: Record<string, string>;
  /** Postgres to run on (default DATABASE_URL); `null` for PGlite whatever the environment. */
  databaseUrl?: string | null;
  /** Each service's Postgres pool (DATABASE_POOL_SIZE), in process or not; `testPoolSize` unless told. */
  poolSize?: number;
  /** Retries before a dead letter, for the services started in this process. */
  delivery?: ServiceResources["delivery"];
  /** False: NATS without authorization (anyone may do anything). Default true. */
  authorization?: boolean;
  /** True: NATS over TLS only (`tls://`). Default: TEST_NATS_TLS=1 in the environment. */
  tls?: boolean;
  /** NATS identities beside the services' (the bridge's, say), each with its permissions. */
  extraIdentities?: NatsServerOptions["extraIdentities"];
}

/** Whether a stack takes NATS over TLS when its options do not say: TEST_NATS_TLS=1. */
export const tlsByDefault = Deno.env.get("TEST_NATS_TLS") === "1";

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const known = options.registry ?? registry;
  const { authorization, extraIdentities, tls = tlsByDefault } = options;
  const natsOptions = { services: known, authorization, tls, extraIdentities };
  const cluster = options.cluster ? await startNatsCluster(natsOptions) : undefined;
  const nats = cluster ?? await startNatsServer(natsOptions);
  const trust = { caFile: nats.caFile };
  const poolSize = options.poolSize ?? testPoolSize;
  const databases = await testDatabases(
    options.databaseUrl === undefined ? adminUrl : options.databaseUrl ?? undefined,
    { poolSize },
  );
  const processes = new Map<string, ServiceProcess[]>();
  const processDataDir = await Deno.makeTempDir({ prefix: "services-" });
  const leftBehind: ServiceDatabase[] = [];
  const given = options.env?.TOKEN_SIGNING_KEY;
  const signingKey = given ? signingJwk.parse(JSON.parse(given)) : await generateSigningKey();
  const env = {
    NATS_URL: nats.url,
    DATABASE_POOL_SIZE: String(poolSize),
    TOKEN_SIGNING_KEY: JSON.stringify(signingKey),
    // Still PBKDF2, fewer rounds: the suite registers many users.
    PASSWORD_ITERATIONS: "10000",
    // In-process requests have no address: every anonymous one shares a bucket. Tests of the
    // limit set their own.
    RATE_LIMIT_BURST: "100000",
    AUTH_RATE_LIMIT_BURST: "100000",
    ...nats.caFile && { NATS_CA_FILE: nats.caFile },
    ...options.env,
  };
  const nc = await connectNats(nats.url, testIdentity, nats.seed(testIdentity), trust);
  // The operator's seed for the gateway's admin routes alone: no other service gets it.
  const operatorSeed = nats.seed("operator");
  const gatewayEnv = { ...env, ...operatorSeed && { OPERATOR_NKEY_SEED: operatorSeed } };
  const running = new Map<string, { service: RunningService; nc: NatsConnection }>();
  const stores = new Map<string, ServiceDatabase>();
  const moduleOf = (name: string) => {
    const found = serviceNamed(name, known);
    if (!found) throw new Error(`no service "${name}" in the stack's registry`);
    return found;
  };

  async function database(name: string) {
    if (!stores.has(name)) {
      const { migrations } = moduleOf(name);
      if (!migrations) throw new Error(`${name} has no migrations: it owns no database`);
      if (processes.has(name) && databases.driver === "pglite") {
        // The process keeps its own PGlite on disk; it can be read once the process is gone.
        for (const process of processes.get(name)!) await process.kill("SIGTERM");
        const store = await openDatabase({ service: name, migrations, dataDir: processDataDir });
        leftBehind.push(store);
        stores.set(name, store);
      } else stores.set(name, await databases.open(name, undefined, migrations));
    }
    return stores.get(name)!;
  }

  /** Starts a service of the registry as its entry would, with the test's env and databases. */
  async function launch(name: string, extraEnv: Record<string, string> = {}) {
    const service = moduleOf(name);
    const serviceNc = await connectNats(nats.url, name, nats.seed(name), trust);
    const config = parseConfig(name, service.config, {
      ...(name === gatewayName ? gatewayEnv : env),
      ...extraEnv,
    });
    if (config.JETSTREAM_REPLICAS) pinStreamReplicas(serviceNc, config.JETSTREAM_REPLICAS);
    const started = await service.start({
      config,
      nc: serviceNc,
      log: createLogger({ service: name, level: logLevel }),
      delivery: options.delivery ?? {},
      openDatabase: () => database(name),
    });
    // What it runs on NATS is what its module declares (its permissions are made from that).
    if (started.bus) checkBusUse(name, service.bus, started.bus);
    running.set(name, { service: started, nc: serviceNc });
  }

  async function stop(name: string) {
    const entry = running.get(name);
    if (!entry) return;
    running.delete(name);
    await entry.service.stop();
    await entry.nc.close();
  }

  const external = options.processes ?? [];
  const inProcess = options.services ??
    known.map((s) => s.name).filter((s) => s !== gatewayName && !external.includes(s));
  for (const name of inProcess) await launch(name);
  const processEnv = {
    ...env,
    DATA_DIR: processDataDir,
    ...(databases.url ? { DATABASE_URL: databases.url } : {}),
  };
  if (databases.driver === "pglite") {
    // Each process's PGlite a copy of a fresh cluster (it migrates it): no initdb per process.
    await seedPgliteDataDirs(processDataDir, external.filter((name) => moduleOf(name).migrations));
  }
  const startProcesses = (names: string[]) =>
    Promise.all(names.map(async (name) => {
      const seed = nats.seed(name);
      const env = {
        ...processEnv,
        ...seed && { NATS_NKEY_SEED: seed },
        ...name === gatewayName && operatorSeed && { OPERATOR_NKEY_SEED: operatorSeed },
      };
      const count = options.instances?.[name] ?? 1;
      if (count > 1 && databases.driver === "pglite") {
        throw new Error(`${name}: several instances need Postgres (DATABASE_URL)`);
      }
      const instances = serviceInstances(name, count, env, nc, name === gatewayName);
      processes.set(name, instances);
      for (const instance of instances) await instance.start();
    }));
  // The gateway last: its readiness asks every service behind it.
  await startProcesses(external.filter((name) => name !== gatewayName));
  let front: Balancer | null = null;
  if (external.includes(gatewayName)) {
    await startProcesses([gatewayName]);
    front = balancer(processes.get(gatewayName)!.flatMap((instance) => instance.httpPort ?? []));
  } else await launch(gatewayName);

  const privateKey = await importJWK(signingKey, "EdDSA");
  return {
    nats,
    cluster,
    databases,
    processDataDir,
    nc,
    signingKey,
    signToken: (claims = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: "users", aud: "gateway", iat: now, exp: now + 3600, ...claims })
        .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: signingKey.kid })
        .sign(privateKey);
    },
    request: (path, init, from) => {
      if (front) return front.request(path, init);
      const gateway = running.get(gatewayName)!.service;
      const request = new Request(`http://gateway.test${path}`, init);
      const info = from === undefined ? undefined : {
        remoteAddr: { hostname: from, port: 40000, transport: "tcp" as const },
        completed: Promise.resolve(),
      };
      return Promise.resolve(gateway.fetch(request, info));
    },
    database,
    start: (name, extraEnv) => {
      if (!processes.has(name)) return launch(name, extraEnv);
      if (extraEnv) throw new Error(`${name} runs as a process: its env is the stack's`);
      return Promise.all(processes.get(name)!.map((process) => process.start())).then(() => {});
    },
    stop: async (name) => {
      for (const process of processes.get(name) ?? []) await process.kill("SIGTERM");
      if (processes.has(name)) return;
      await stop(name);
    },
    instances: (name) => processes.get(name) ?? [],
    kill: (name, signal = "SIGKILL") => processes.get(name)![0].kill(signal),
    balancer: front ?? undefined,
    close: async () => {
      front?.close();
      for (const process of [...processes.values()].flat()) await process.kill("SIGTERM");
      for (const name of [...running.keys()]) await stop(name);
      await nc.close();
      await Promise.all(leftBehind.map((store) => store.close()));
      await databases.close();
      // A stack's services never do what their identity may not: say so when one did.
      for (const line of await nats.violations()) console.error(`NATS refused: ${line}`);
      await nats.dispose();
      await Deno.remove(processDataDir, { recursive: true }).catch(() => {});
    },
  };
}

/** JSON request options, for brevity in tests. */
export function json(method: string, body: unknown, headers: Record<string, string> = {}) {
  return {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}
