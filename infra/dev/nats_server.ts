/** How `deno task dev` finds nats-server and what it passes it. */
import { dirname, join, relative, resolve } from "node:path";

export const natsInstallHint = [
  "nats-server is not installed. Get it with one of:",
  "  apt-get install nats-server",
  "  brew install nats-server",
  "or run NATS in a container and point the services at it:",
  "  docker compose up nats",
  "  NATS_URL=nats://127.0.0.1:4222 deno task dev",
].join("\n");

export async function findNatsServer(): Promise<string | undefined> {
  for (const candidate of ["nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"]) {
    try {
      const command = new Deno.Command(candidate, {
        args: ["--version"],
        stdout: "null",
        stderr: "null",
      });
      if ((await command.output()).success) return candidate;
    } catch {
      // Not there; try the next place.
    }
  }
}

/** nats-server's three listeners. */
export interface NatsPorts {
  client: number;
  websocket: number;
  monitoring: number;
}

/** The ports of infra/nats/dev.conf: what a stack gets when nothing else asks for them. */
export const devConfPorts: NatsPorts = { client: 4222, websocket: 9222, monitoring: 8222 };

/**
 * Arguments that run nats-server on `ports`: a conf written to `<dataDir>/nats.conf` (mode
 * 0600) that includes infra/nats/dev.conf, overrides its three ports (nats-server 2.9 sets the
 * WebSocket port only in a file) and ends with `authorization` (the generated block, or empty
 * for none). The JetStream store is always `<dataDir>/nats`.
 */
export async function natsServerArgs(
  root: string,
  dataDir: string,
  ports: NatsPorts,
  authorization = "",
): Promise<string[]> {
  const devConf = join(root, "infra/nats/dev.conf");
  const conf = resolve(root, dataDir, "nats.conf");
  await Deno.mkdir(dirname(conf), { recursive: true });
  // Includes resolve relative to the including file; later keys override the included ones.
  await Deno.writeTextFile(
    conf,
    [
      `include "${relative(dirname(conf), devConf)}"`,
      `listen: 127.0.0.1:${ports.client}`,
      `websocket { listen: "127.0.0.1:${ports.websocket}", no_tls: true }`,
      `http: 127.0.0.1:${ports.monitoring}`,
      authorization,
    ].join("\n"),
    { mode: 0o600 },
  );
  return ["-c", conf, "-sd", join(dataDir, "nats")];
}

/**
 * True when nothing listens on `port`, on any IPv4 address: a probe on 0.0.0.0 fails whether
 * the other listener took 127.0.0.1 or every address.
 */
export function isPortFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "0.0.0.0", port }).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Hands out ports for one stack: the preferred one when it is free, else one the system picks
 * (from its ephemeral range), never the same port twice. A port found free can still be taken
 * before its server binds it; the server then fails to start and the runner says so.
 */
export class PortChooser {
  readonly #given = new Set<number>();

  /** `{ port, preferred }`: `port` differs from `preferred` when that one was taken (or 0). */
  choose(preferred: number): { port: number; preferred: number } {
    const free = preferred !== 0 && !this.#given.has(preferred) && isPortFree(preferred);
    if (free) return this.#give(preferred);
    for (;;) {
      const listener = Deno.listen({ hostname: "0.0.0.0", port: 0 });
      const { port } = listener.addr as Deno.NetAddr;
      listener.close();
      if (!this.#given.has(port)) return { ...this.#give(port), preferred };
    }
  }

  #give(port: number) {
    this.#given.add(port);
    return { port, preferred: port };
  }
}

/** True once `port` accepts a connection; false if `exited` settles or time runs out first. */
export async function waitUntilListening(
  port: number,
  exited: Promise<unknown>,
  timeoutMs = 10_000,
): Promise<boolean> {
  let gone = false;
  exited.then(() => gone = true, () => gone = true);
  const deadline = Date.now() + timeoutMs;
  while (!gone && Date.now() < deadline) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return false;
}
