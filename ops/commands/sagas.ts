/**
 * `sagas [--stuck-after S] [--stuck] [--failed] [--limit N] [--cursor C]`: the order sagas in
 * flight, oldest first, with the step each waits for and its deadline (stuck ones marked), or
 * with `--failed` those whose compensation failed; `sagas retry <orderId> --reason "why"`
 * re-drives the dead letters that hold a failed compensation, once its cause is fixed.
 */
import {
  type FailedSaga,
  maxStuckAfterSeconds,
  type SagaInFlight,
} from "../../shared/contracts/saga_operations.ts";
import { maxPageSize, pageCursor, uuid } from "../../shared/contracts/mod.ts";
import { listFailedSagas, listSagas, retryFailedSaga } from "../../shared/operator/sagas.ts";
import { type Cli, UsageError } from "../cli.ts";
import { printable, printableJson } from "../format.ts";

/** The options `sagas` reads, as parseArgs gives them. */
export interface SagasOptions {
  "stuck-after"?: string;
  stuck?: boolean;
  failed?: boolean;
  limit?: string;
  cursor?: string;
  reason?: string;
}

const usage = "sagas [--stuck-after <seconds>] [--stuck] [--failed] [--limit N] [--cursor C] | " +
  'sagas retry <orderId> --reason "why"';

/**
 * Runs `sagas` with the positionals after it (`args`) and the options. Throws a UsageError for
 * arguments it cannot take (before anything is asked), and what the kit throws.
 */
export async function sagas(cli: Cli, args: string[], options: SagasOptions) {
  if (args[0] === "retry") return await retry(cli, args.slice(1), options);
  if (args.length > 0) throw new UsageError(`no sagas ${args[0]}; ${usage}`);
  if (options.reason !== undefined) throw new UsageError(`--reason goes with retry; ${usage}`);
  const page = {
    limit: integerOption(options.limit, "limit", maxPageSize),
    cursor: cursorOption(options.cursor),
  };
  if (options.failed) {
    if (options.stuck || options["stuck-after"] !== undefined) {
      throw new UsageError(`--failed lists failed compensations: no --stuck or --stuck-after`);
    }
    const { items, next } = await listFailedSagas(cli.nc, page);
    if (cli.json) return cli.print(printableJson({ items, next }));
    if (items.length === 0) return cli.print("no failed compensations");
    items.flatMap(failedLines).forEach((line) => cli.print(line));
    return printNext(cli, next);
  }
  const stuckAfterSeconds = integerOption(
    options["stuck-after"],
    "stuck-after",
    maxStuckAfterSeconds,
  );
  const reply = await listSagas(cli.nc, {
    ...(stuckAfterSeconds ? { stuckAfterSeconds } : {}),
    stuckOnly: options.stuck ?? false,
    ...page,
  });
  if (cli.json) return cli.print(printableJson(reply));
  const { counts } = reply;
  cli.print(
    `${counts.inFlight} in flight, ${counts.stuck} stuck (older than ` +
      `${reply.stuckAfterSeconds} s), ${counts.compensationFailed} compensation failed`,
  );
  reply.items.forEach((saga) => cli.print(sagaLine(saga)));
  printNext(cli, reply.next);
}

async function retry(cli: Cli, args: string[], options: SagasOptions) {
  const [orderId, ...rest] = args;
  if (!orderId || rest.length > 0 || options.reason === undefined) {
    throw new UsageError('sagas retry <orderId> --reason "why"');
  }
  if (!uuid.safeParse(orderId).success) {
    throw new UsageError(`sagas retry takes an order's id (a UUID), not "${orderId}"`);
  }
  const report = await retryFailedSaga(cli.nc, {
    orderId,
    reason: options.reason,
    actor: cli.actor,
    log: cli.log,
  });
  if (cli.json) return cli.print(printableJson(report));
  if (report.nothingToRetry) {
    return cli.print(printable(`nothing to retry: ${report.nothingToRetry}`));
  }
  for (const letter of report.redriven) {
    cli.print(printable(
      `#${letter.seq}  ${letter.service}  ${letter.subject}  ${letter.outcome}` +
        (letter.error ? `  ${letter.error}` : ""),
    ));
  }
}

/** An integer option of 1 to `max`, or a usage error naming it; undefined when not given. */
function integerOption(value: string | undefined, name: string, max: number) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) {
    throw new UsageError(`--${name} takes a whole number from 1 to ${max}, not "${value}"`);
  }
  return n;
}

function cursorOption(value: string | undefined) {
  if (value === undefined) return undefined;
  if (!pageCursor.safeParse(value).success) {
    throw new UsageError("--cursor takes the `next` a page before printed");
  }
  return value;
}

function printNext(cli: Cli, next: string | undefined) {
  if (next) cli.print(`more: --cursor ${next}`);
}

/**
 * `STUCK  <order>  125 s  after orders.order.placed  waits for a | b  deadline <t>`; the marks
 * are STUCK, OVERDUE (past its deadline) and FAILED (a compensation failed), or `-`.
 */
export function sagaLine(saga: SagaInFlight): string {
  const marks = [
    saga.stuck ? "STUCK" : "",
    saga.overdue ? "OVERDUE" : "",
    saga.compensationFailed ? "FAILED" : "",
  ].filter(Boolean);
  return printable([
    (marks.join(",") || "-").padEnd("STUCK,OVERDUE,FAILED".length),
    saga.orderId,
    `${saga.ageSeconds} s`.padStart(8),
    `after ${saga.lastStep?.type ?? "nothing"}`,
    `waits for ${saga.waitsFor.join(" | ") || "nothing known"}`,
    `deadline ${saga.deadlineAt}`,
  ].join("  "));
}

/** One line per failed compensation: `<order>  refund  payments  since <t>  <status>  <error>` */
export function failedLines(saga: FailedSaga): string[] {
  return saga.compensations.map((c) =>
    printable([
      saga.orderId,
      c.compensation.padEnd(7),
      c.service.padEnd(8),
      `since ${c.failedAt}`,
      saga.reason ? `${saga.status} (${saga.reason})` : saga.status,
      c.error,
    ].join("  "))
  );
}
