/**
 * `<DATA_DIR>/dev.json`: where a running `deno task dev` stack listens. The runner writes it
 * once it has chosen its ports and removes it when it stops; `deno task ops` reads it when
 * NATS_URL is not set, so an operator beside a dev stack needs no variables.
 */
import { join } from "node:path";

export interface DevStack {
  /** The URL the services were given (with its credentials, if NATS_URL had any). */
  natsUrl: string;
  /** nats-server's WebSocket and monitoring listeners; absent when NATS_URL named a server. */
  websocketUrl?: string;
  monitoringUrl?: string;
  gatewayUrl: string;
  /** The dashboard (and the services' OTLP receiver); absent from a runner before it. */
  dashboardUrl?: string;
  /** Each service's HTTP face (health, readiness, metrics), by service name: its first instance. */
  services: Record<string, string>;
  /** Every instance's HTTP face, by service name (DEV_INSTANCES runs more than one). */
  instances?: Record<string, string[]>;
  /** The runner's process id, so a reader can tell a stale file from a live stack. */
  pid: number;
  startedAt: string;
}

export function devStackFile(dataDir: string): string {
  return join(dataDir, "dev.json");
}

/** Writes the file readable by its owner only: the NATS URL may hold a password. */
export async function writeDevStack(dataDir: string, stack: DevStack): Promise<string> {
  const file = devStackFile(dataDir);
  await Deno.mkdir(dataDir, { recursive: true });
  await Deno.writeTextFile(file, JSON.stringify(stack, null, 2) + "\n", { mode: 0o600 });
  return file;
}

export async function removeDevStack(dataDir: string): Promise<void> {
  await Deno.remove(devStackFile(dataDir)).catch(() => {});
}

/**
 * The stack described in `<dataDir>/dev.json`, or undefined when there is no such file, it
 * cannot be read (no --allow-read) or it is not one the runner wrote.
 */
export async function readDevStack(dataDir: string): Promise<DevStack | undefined> {
  try {
    const stack = JSON.parse(await Deno.readTextFile(devStackFile(dataDir)));
    return typeof stack?.natsUrl === "string" ? stack as DevStack : undefined;
  } catch {
    return undefined;
  }
}
