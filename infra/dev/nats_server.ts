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

export interface NatsServerArgs {
  args: string[];
  clientPort: number;
}

/**
 * infra/nats/dev.conf as is, or, given a client port, a conf written to `dataDir` that includes
 * dev.conf and moves all three ports (client N, WebSocket N+1, monitoring N+2): nats-server 2.9
 * sets the WebSocket port only in a file. The JetStream store is always `<dataDir>/nats`.
 */
export async function natsServerArgs(
  root: string,
  dataDir: string,
  clientPort?: number,
): Promise<NatsServerArgs> {
  const devConf = join(root, "infra/nats/dev.conf");
  const store = ["-sd", join(dataDir, "nats")];
  if (clientPort === undefined) return { args: ["-c", devConf, ...store], clientPort: 4222 };

  const conf = resolve(root, dataDir, "nats.conf");
  await Deno.mkdir(dirname(conf), { recursive: true });
  // Includes resolve relative to the including file; later keys override the included ones.
  await Deno.writeTextFile(
    conf,
    [
      `include "${relative(dirname(conf), devConf)}"`,
      `listen: 127.0.0.1:${clientPort}`,
      `websocket { listen: "127.0.0.1:${clientPort + 1}", no_tls: true }`,
      `http: 127.0.0.1:${clientPort + 2}`,
      "",
    ].join("\n"),
  );
  return { args: ["-c", conf, ...store], clientPort };
}

export function isPortFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
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
