/**
 * A stand-in for a service the test stopped: the real contract served on the real nats-server,
 * with test handlers, as a slow or failing instance would answer.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { connectNats, serveRpc } from "../../shared/bus/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";
import { createLogger } from "../../shared/log/mod.ts";
import type { Stack } from "./stack.ts";

/**
 * Serves a contract with test handlers, as a misbehaving instance would; its log lines go to
 * `lines`. `stop()` stops serving and closes its connection.
 */
export async function standIn<E extends Parameters<typeof serveRpc>[1]>(
  stack: Stack,
  contract: E,
  handlers: Parameters<typeof serveRpc<E["endpoints"]>>[2],
  lines: string[] = [],
) {
  const nc: NatsConnection = await connectNats(
    stack.nats.url,
    contract.name,
    stack.nats.seed(contract.name),
    { caFile: stack.nats.caFile },
  );
  const log = createLogger({ service: contract.name, level: "debug", write: (l) => lines.push(l) });
  const server = await serveRpc(nc, contract, handlers, { version: "0.0.0-test", log });
  return {
    stop: async () => {
      await server.stop();
      await nc.close();
    },
  };
}

/** A handler for an endpoint the test does not call: fails as `internal` if it is called. */
export const unused = () => Promise.reject(new ServiceError("internal", "not used in this test"));
