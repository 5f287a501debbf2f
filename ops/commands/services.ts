/** `services`: every running instance, from the NATS services framework's discovery. */
import { discoverServices } from "../../shared/ops/mod.ts";
import type { Cli } from "../cli.ts";
import { serviceLines } from "../format.ts";

export async function services(cli: Cli, name: string | undefined, options: { wait?: string }) {
  const instances = await discoverServices(cli.nc, {
    service: name,
    waitMs: options.wait ? Number(options.wait) : undefined,
  });
  if (cli.json) return cli.print(JSON.stringify(instances));
  serviceLines(instances).forEach(cli.print);
}
