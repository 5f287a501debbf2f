/**
 * A real nats-server with JetStream and WebSocket, on free ports, with a temporary store, and by
 * default with authorization on: every service of the registry and the operator get a fresh NKey
 * identity with the permissions generated from the declarations (infra/nats/), the test itself
 * one that may do anything (`test`, to look into streams and play forgers), and anonymous
 * clients are refused. With `tls`, both listeners take TLS only (`tls://`, `wss://`), with a
 * certificate for 127.0.0.1 and localhost signed by a CA made for the server (tests/harness/
 * certificates.ts).
 */
import { type Identity, identityNames } from "../../infra/nats/credentials.ts";
import { authorizationConfig, createIdentity } from "../../infra/nats/credentials.ts";
import type { DeclaredService, Permissions } from "../../infra/nats/permissions.ts";
import { registry } from "../../services/registry.ts";
import { makeCertificates } from "./certificates.ts";

/** The identity the tests themselves connect as: everything allowed. */
export const testIdentity = "test";

/** A running test nats-server and how to play an outage with it. */
export interface NatsServer {
  /** `nats://127.0.0.1:<port>`, or `tls://…` with `tls`. */
  url: string;
  /** `ws://127.0.0.1:<port>`, or `wss://…` with `tls`. */
  wsUrl: string;
  /** With `tls`: the PEM of the CA that signed the server's certificate, and one that did not. */
  caFile?: string;
  wrongCaFile?: string;
  /** True when clients must sign in (the default). */
  authorization: boolean;
  /**
   * The seed of identity `name` (a service of the registry, `operator`, or `test`); undefined
   * when authorization is off. Throws for a name that has none.
   */
  seed(name: string): string | undefined;
  /** The identities of the stack, by name (empty when authorization is off). */
  identities: ReadonlyMap<string, Identity>;
  /** The permission violations the server has logged so far, one line each. */
  violations(): Promise<string[]>;
  /** Stops the server, keeping its store, as in an outage. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and store. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** While stopped: empties its store, as a server that comes back having lost its disk. */
  wipeStore(): Promise<void>;
  /** Stops it and removes its store. */
  dispose(): Promise<void>;
}

export interface NatsServerOptions {
  /** The largest message the server takes, in bytes (its `max_payload`; default 1 MiB). */
  maxPayload?: number;
  /** False: anyone may connect and do anything (for tests of the kit alone). Default true. */
  authorization?: boolean;
  /** The services whose identities and permissions it is configured with (default: registry). */
  services?: readonly DeclaredService[];
  /** True: TLS required on the client and WebSocket ports (default false). */
  tls?: boolean;
  /** More identities, each with its permissions (the bridge's, say); with authorization only. */
  extraIdentities?: readonly { name: string; permissions: Permissions }[];
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = await findNatsServer();
  const dir = await Deno.makeTempDir({ prefix: "nats-test-" });
  const config = `${dir}/nats.conf`;
  const { authorization, identities, authorizationText, seed } = testAuthorization(options);
  const certificates = options.tls
    ? await makeCertificates(dir, ["DNS:localhost", "IP:127.0.0.1"])
    : undefined;
  const tlsBlock = certificates
    ? `tls { cert_file: "${certificates.certFile}", key_file: "${certificates.keyFile}" }`
    : "no_tls: true";
  // A free port is free only until someone else binds it: a test file running beside this one can
  // take it before nats-server does, and nats-server then exits. Try again on other ports.
  let port = 0, wsPort = 0;
  let process: Deno.ChildProcess | null = null;
  for (let attempt = 1; !process; attempt++) {
    port = freePort();
    wsPort = freePort();
    await Deno.writeTextFile(
      config,
      `listen: 127.0.0.1:${port}\njetstream { store_dir: "${dir}/store" }\n` +
        (certificates ? `${tlsBlock}\n` : "") +
        `websocket { listen: "127.0.0.1:${wsPort}", ${tlsBlock} }\n` +
        (options.maxPayload ? `max_payload: ${options.maxPayload}\n` : "") +
        `log_file: "${dir}/server.log"\n` + authorizationText,
    );
    try {
      process = await spawn(binary, config, port);
    } catch (error) {
      if (!(error instanceof ExitedAtStart) || attempt === 5) throw error;
    }
  }
  const stop = async () => {
    if (process) await kill(process);
    process = null;
  };
  const start = async () => {
    if (!process) process = await spawn(binary, config, port);
  };
  return {
    url: `${certificates ? "tls" : "nats"}://127.0.0.1:${port}`,
    wsUrl: `${certificates ? "wss" : "ws"}://127.0.0.1:${wsPort}`,
    caFile: certificates?.caFile,
    wrongCaFile: certificates?.wrongCaFile,
    authorization,
    identities,
    seed,
    violations: async () =>
      (await Deno.readTextFile(`${dir}/server.log`).catch(() => ""))
        .split("\n").filter((line) => / Violation /.test(line)),
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    wipeStore: () => Deno.remove(`${dir}/store`, { recursive: true }).catch(() => {}),
    dispose: async () => {
      await stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * The identities a test server (or cluster) signs in, and its `authorization { ... }` block: every
 * service of `options.services` (default: the registry) and the operator with their declared
 * permissions, the extra ones, and `test` with all. Nothing when `options.authorization` is false.
 */
export function testAuthorization(options: NatsServerOptions) {
  const authorization = options.authorization ?? true;
  const services = options.services ?? registry;
  const identities: ReadonlyMap<string, Identity> = new Map(
    authorization
      ? [
        ...identityNames(services),
        ...(options.extraIdentities ?? []).map((extra) => extra.name),
        testIdentity,
      ].map((name) => [name, createIdentity(name)])
      : [],
  );
  const authorizationText = authorization
    ? authorizationConfig(services, identities, [
      ...(options.extraIdentities ?? []).map(({ name, permissions }) => ({
        name,
        publicKey: identities.get(name)!.publicKey,
        permissions,
      })),
      { name: testIdentity, publicKey: identities.get(testIdentity)!.publicKey, permissions: null },
    ])
    : "";
  const seed = (name: string): string | undefined => {
    if (!authorization) return undefined;
    const identity = identities.get(name);
    if (!identity) throw new Error(`the test NATS server has no identity ${name}`);
    return identity.seed;
  };
  return { authorization, identities, authorizationText, seed };
}

/** nats-server exited before it listened (its port was taken meanwhile, say). */
export class ExitedAtStart extends Error {}

export async function spawn(binary: string, config: string, port: number) {
  const child = new Deno.Command(binary, { args: ["-c", config], stdout: "null", stderr: "null" })
    .spawn();
  let exited = false;
  child.status.then(() => exited = true);
  for (let i = 0; i < 100 && !exited; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  if (exited) throw new ExitedAtStart(`nats-server exited before it listened on ${port}`);
  await kill(child);
  throw new Error(`nats-server did not listen on ${port}`);
}

export async function kill(child: Deno.ChildProcess) {
  try {
    child.kill("SIGTERM");
  } catch {
    // already gone
  }
  await child.status;
}

export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

export async function findNatsServer(): Promise<string> {
  for (const candidate of ["nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"]) {
    try {
      const out = await new Deno.Command(candidate, { args: ["--version"], stdout: "null" })
        .output();
      if (out.success) return candidate;
    } catch {
      // not here
    }
  }
  throw new Error("nats-server not found: apt-get install nats-server (or brew install)");
}
