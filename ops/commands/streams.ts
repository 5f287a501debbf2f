/**
 * `streams retention`: each platform stream's max age as NATS holds it against the kit's figure;
 * `--apply` sets the kit's on the streams the operator configures (DEADLETTERS, AUDIT).
 */
import {
  applyStreamRetention,
  describeMaxAge,
  type PublishedStream,
  setByOperator,
  type StreamRetention,
  streamRetention,
} from "../../shared/operator/mod.ts";
import { registry } from "../../services/registry.ts";
import { type Cli, UsageError } from "../cli.ts";
import { printableJson } from "../format.ts";

export interface StreamsOptions {
  apply?: boolean;
}

/** Every event stream of the registry's services, with the service that publishes it. */
export const publishedStreams: readonly PublishedStream[] = registry.flatMap((service) =>
  service.bus.publishes ? [{ stream: service.bus.publishes, owner: service.name }] : []
);

export async function streams(cli: Cli, args: string[], options: StreamsOptions) {
  if (args[0] !== "retention" || args.length > 1) {
    throw new UsageError("streams retention [--apply]");
  }
  if (!options.apply) {
    const rows = await streamRetention(cli.nc, publishedStreams);
    if (cli.json) return cli.print(printableJson({ streams: rows }));
    table(rows).forEach(cli.print);
    return;
  }
  const result = await applyStreamRetention(cli.nc, {
    published: publishedStreams,
    actor: cli.actor,
    log: cli.log,
  });
  if (cli.json) return cli.print(printableJson(result));
  table(result.streams).forEach(cli.print);
  for (const set of result.set) {
    cli.print(
      `${set.stream}: max age set to ${describeMaxAge(set.setToMs)} (was ` +
        `${describeMaxAge(set.heldMaxAgeMs!)}); NATS removes what is older`,
    );
  }
  if (result.set.length === 0) cli.print("nothing for the operator to set");
}

/** A header and one line per stream, with what to do about one that differs. */
function table(rows: StreamRetention[]): string[] {
  const line = (cells: string[]) =>
    cells.map((cell, i) => cell.padEnd([14, 15, 15, 15, 0][i])).join("").trimEnd();
  return [
    line(["stream", "set by", "max age held", "kit's max age", ""]),
    ...rows.map((row) =>
      line([
        row.stream,
        row.setBy,
        row.heldMaxAgeMs === null ? "(none yet)" : describeMaxAge(row.heldMaxAgeMs),
        describeMaxAge(row.kitMaxAgeMs),
        advice(row),
      ])
    ),
  ];
}

function advice(row: StreamRetention): string {
  if (row.state === "ok") return "ok";
  if (row.state === "absent") return "made with the kit's max age when first used";
  return row.setBy === setByOperator
    ? "differs: --apply sets it"
    : `differs: ${row.setBy} sets it when it next starts`;
}
