/**
 * For tests of the NATS boundaries: connect as an identity of a test nats-server, and tell whether
 * the server refused an identity something (it answers `-ERR Permissions Violation` to the
 * client without closing the connection, and logs the violation, which is what is read here).
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { fromSeed } from "@nats-io/nkeys";
import { connectNats } from "../../shared/bus/mod.ts";
import type { NatsServer } from "./nats_server.ts";

/** A connection signed in as `name` (a service, `operator` or `test`). */
export function connectAs(server: NatsServer, name: string): Promise<NatsConnection> {
  return connectNats(server.url, name, server.seed(name), { caFile: server.caFile });
}

/**
 * True once the server has logged that `name` was refused `kind` on `subject` (within
 * `waitMs`); false when it never was. Matches the exact subject, with its queue if any.
 */
export async function refused(
  server: NatsServer,
  name: string,
  kind: "Publish" | "Subscription",
  subject: string,
  waitMs = 2000,
): Promise<boolean> {
  const key = server.identities.get(name)?.publicKey;
  if (!key) throw new Error(`no identity ${name}`);
  const until = Date.now() + waitMs;
  for (;;) {
    const lines = await server.violations();
    const found = lines.some((line) =>
      line.includes(`${kind} Violation`) && line.includes(`Nkey "${key}"`) &&
      line.includes(`Subject "${subject}"`)
    );
    if (found || Date.now() > until) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Subscribes `nc` to `subject` (in `queue`, if given) and counts what arrives, answering each
 * request with `reply` when given; `close` unsubscribes.
 */
export async function received(
  nc: NatsConnection,
  subject: string,
  options: { queue?: string; reply?: string } = {},
): Promise<{ count: () => number; close: () => void }> {
  let count = 0;
  const sub = nc.subscribe(subject, {
    queue: options.queue,
    // A refused subscription is called back once with the server's error, and no message.
    callback: (error, message) => {
      if (error || !message) return;
      count++;
      if (options.reply !== undefined && message.reply) message.respond(options.reply);
    },
  });
  await nc.flush();
  return { count: () => count, close: () => sub.unsubscribe() };
}

/**
 * What the server at `url` (nats://host:port, no TLS) answers a client that signs in with `seed`
 * (its nonce signed, as nats.js does), or with nothing: `PONG` when it let it in, else its
 * `-ERR` line. Spoken by hand, so a refusal is read as a line rather than as nats.js's socket
 * errors, which can surface as uncaught ECONNRESET after the server hangs up.
 */
export async function signInAnswer(url: string, seed?: string): Promise<string> {
  const { hostname, port } = new URL(url.replace(/^nats:/, "http:"));
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const decoder = new TextDecoder();
  let buffered = "";
  const line = async () => {
    while (!buffered.includes("\r\n")) {
      const chunk = new Uint8Array(4096);
      const n = await conn.read(chunk);
      if (n === null) throw new Error(`the server hung up after: ${buffered}`);
      buffered += decoder.decode(chunk.subarray(0, n));
    }
    const end = buffered.indexOf("\r\n");
    const first = buffered.slice(0, end);
    buffered = buffered.slice(end + 2);
    return first;
  };
  try {
    const info = JSON.parse((await line()).replace(/^INFO /, ""));
    const connect: Record<string, unknown> = { verbose: false, pedantic: false, protocol: 1 };
    if (seed) {
      const key = fromSeed(new TextEncoder().encode(seed));
      connect.nkey = key.getPublicKey();
      const signature = key.sign(new TextEncoder().encode(info.nonce));
      connect.sig = btoa(String.fromCharCode(...signature))
        .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    }
    await conn.write(new TextEncoder().encode(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`));
    return await line();
  } finally {
    conn.close();
  }
}
