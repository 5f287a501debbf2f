/** `outbox <service> [--requeue ID | --discard ID --reason "why"]`: the rows its relay parked. */
import { discardOutboxRow, listParkedOutbox, requeueOutboxRow } from "../../shared/operator/mod.ts";
import type { ParkedOutboxRow } from "../../shared/contracts/mod.ts";
import { type Cli, operatedService, UsageError } from "../cli.ts";
import { printable, printableJson } from "../format.ts";

export interface OutboxOptions {
  requeue?: string;
  discard?: string;
  reason?: string;
}

const usage = 'outbox <service> [--requeue ID | --discard ID --reason "why"]';

export async function outbox(cli: Cli, service: string | undefined, options: OutboxOptions) {
  if (!service) throw new UsageError(usage);
  operatedService(service);
  if (options.requeue && options.discard) throw new UsageError(usage);
  const audit = { service, actor: cli.actor, log: cli.log };
  if (options.requeue) {
    const row = await requeueOutboxRow(cli.nc, { ...audit, id: options.requeue });
    return cli.print(
      cli.json ? printableJson(row) : printable(`re-queued ${row.id} (${row.subject})`),
    );
  }
  if (options.discard) {
    if (!options.reason) throw new UsageError(usage);
    const row = await discardOutboxRow(cli.nc, {
      ...audit,
      id: options.discard,
      reason: options.reason,
    });
    return cli.print(
      cli.json
        ? printableJson(row)
        : printable(`discarded ${row.id} (${row.subject}): ${options.reason}`),
    );
  }
  const rows = await listParkedOutbox(cli.nc, service);
  if (cli.json) return cli.print(printableJson(rows));
  if (rows.length === 0) return cli.print(`no parked outbox rows in ${service}`);
  rows.forEach((row) => cli.print(parkedLine(row)));
}

/** `<id>  <subject>  <bytes> B  <attempts>×  parked <time>  <last error>` */
export function parkedLine(row: ParkedOutboxRow): string {
  return printable([
    row.id,
    row.subject,
    `${row.bytes} B`,
    `${row.attempts}×`,
    `parked ${row.parkedAt ?? "-"}`,
    row.lastError ?? "",
  ].join("  "));
}
