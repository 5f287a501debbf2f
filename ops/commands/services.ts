/** `services`: every running instance, from the NATS services framework's discovery. */
import { errors } from "@nats-io/nats-core";
import { discoverServices, type ServiceInstance } from "../../shared/operator/mod.ts";
import { type Cli, knownService, sequenceOption } from "../cli.ts";
import { printableJson, serviceLines } from "../format.ts";

/** How long discovery collects answers when --wait does not say (ms). */
const defaultWaitMs = 500;

/**
 * Prints the instances that answered within --wait ms. Throws a UsageError for a name that is
 * not a service of the stack, and an Error (one line, exit 1) when no instance answered.
 */
export async function services(cli: Cli, name: string | undefined, options: { wait?: string }) {
  if (name !== undefined) knownService(name);
  const waitMs = sequenceOption(options.wait, "wait") ?? defaultWaitMs;
  let instances: ServiceInstance[];
  try {
    instances = await discoverServices(cli.nc, { service: name, waitMs });
  } catch (error) {
    // No subscriber on the discovery subject at all: the same answer as silence.
    if (!(error instanceof errors.NoRespondersError)) throw error;
    instances = [];
  }
  if (instances.length === 0) {
    throw new Error(
      `no ${name ?? "service"} instance answered within ${waitMs} ms: is the stack running ` +
        `on this NATS? (deno task dev, or NATS_URL)`,
    );
  }
  if (cli.json) return cli.print(printableJson(instances));
  serviceLines(instances).forEach(cli.print);
}
