/**
 * For tests of the NATS boundaries: connect as an identity of a test nats-server, and tell whether
 * the server refused an identity something (it answers `-ERR Permissions Violation` to the
 * client without closing the connection, and logs the violation, which is what is read here).
 */
import type { NatsConnection } from "@nats-io/nats-core";
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
