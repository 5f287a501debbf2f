/**
 * `replay`: a range of a stream to one service's handlers; `--rebuild` its read model (refused
 * when a stream lost its oldest events, unless `--accept-missing`).
 */
import { describeMissing } from "../../shared/bus/mod.ts";
import type { ReplayProgress } from "../../shared/contracts/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";
import { rebuildReadModel, replayToService, resolveStream } from "../../shared/operator/mod.ts";
import {
  type Cli,
  operatedService,
  operatedServices,
  sequenceOption,
  sinceOption,
  UsageError,
} from "../cli.ts";
import { printableJson, progressLine, replaySummary } from "../format.ts";

export interface ReplayOptions {
  "from-seq"?: string;
  since?: string;
  "to-seq"?: string;
  "dry-run"?: boolean;
  rebuild?: boolean;
  "accept-missing"?: boolean;
}

export async function replay(
  cli: Cli,
  service: string | undefined,
  target: string | undefined,
  options: ReplayOptions,
) {
  if (!service) {
    throw new UsageError("replay <service> <stream or subject> | replay <service> --rebuild");
  }
  operatedService(service);
  const started = performance.now();
  const onProgress = (progress: ReplayProgress) =>
    cli.status(progressLine(progress, performance.now() - started));

  if (options.rebuild) {
    const result = await rebuildReadModel(cli.nc, {
      service,
      services: operatedServices,
      acceptMissing: options["accept-missing"],
      actor: cli.actor,
      log: cli.log,
      onProgress,
    }).catch((error) => {
      // The service's refusal names the contract's field; the operator types the flag.
      if (error instanceof ServiceError && error.kind === "conflict") {
        throw new ServiceError(
          error.kind,
          error.message.replace(
            /ask again with acceptMissing: true$/,
            "run again with --accept-missing",
          ),
          error.details,
        );
      }
      throw error;
    });
    cli.status("");
    if (cli.json) return cli.print(printableJson(result));
    cli.print(
      `rebuilt ${service}: emptied ${result.tables.join(", ")}, then replayed from the start`,
    );
    for (const missing of result.missing) {
      cli.print(`without what no stream holds any more: ${describeMissing(missing)}`);
    }
    for (const report of result.streams) replaySummary(service, report).forEach(cli.print);
    return;
  }

  if (!target) {
    throw new UsageError("replay <service> <stream or subject> [--from-seq N | --since T]");
  }
  const stream = await resolveStream(cli.nc, target);
  const report = await replayToService(cli.nc, {
    service,
    services: operatedServices,
    range: {
      stream,
      subject: target === stream ? undefined : target,
      fromSeq: sequenceOption(options["from-seq"], "from-seq"),
      fromTime: sinceOption(options.since),
      toSeq: sequenceOption(options["to-seq"], "to-seq"),
    },
    dryRun: options["dry-run"],
    actor: cli.actor,
    log: cli.log,
    onProgress,
  });
  cli.status("");
  if (cli.json) return cli.print(printableJson(report));
  replaySummary(service, report).forEach(cli.print);
}
