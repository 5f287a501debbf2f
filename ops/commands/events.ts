/** `events tail` and `events show`: a stream, read by subject, time or sequence. */
import { readEntry, readStream, resolveStream } from "../../shared/operator/mod.ts";
import { type Cli, sequenceOption, sinceOption, UsageError } from "../cli.ts";
import { eventLine, printableJson } from "../format.ts";

export interface EventsOptions {
  n?: string;
  follow?: boolean;
  "from-seq"?: string;
  since?: string;
  "to-seq"?: string;
  limit?: string;
}

/** The last `-n` messages of a stream (or those of them on a subject); `--follow` waits for more. */
export async function tailEvents(cli: Cli, target: string | undefined, options: EventsOptions) {
  if (!target) throw new UsageError("events tail <stream or subject>");
  const stream = await resolveStream(cli.nc, target);
  const abort = new AbortController();
  Deno.addSignalListener("SIGINT", () => abort.abort());
  const entries = readStream(cli.nc, {
    stream,
    subject: target === stream ? undefined : target,
    fromSeq: sequenceOption(options["from-seq"], "from-seq"),
    fromTime: sinceOption(options.since),
    last: sequenceOption(options.n ?? "10", "n"),
    follow: options.follow,
    signal: abort.signal,
  });
  for await (const entry of entries) cli.print(cli.json ? printableJson(entry) : eventLine(entry));
}

/** A range of a stream (`--from-seq`/`--since`, `--to-seq`, `--limit`), or one message in full. */
export async function showEvents(
  cli: Cli,
  target: string | undefined,
  seq: string | undefined,
  options: EventsOptions,
) {
  if (!target) throw new UsageError("events show <stream or subject> [seq]");
  const stream = await resolveStream(cli.nc, target);
  if (seq !== undefined) {
    const entry = await readEntry(cli.nc, stream, sequenceOption(seq, "seq")!);
    cli.print(printableJson(entry, cli.json ? 0 : 2));
    return;
  }
  const entries = readStream(cli.nc, {
    stream,
    subject: target === stream ? undefined : target,
    fromSeq: sequenceOption(options["from-seq"], "from-seq"),
    fromTime: sinceOption(options.since),
    toSeq: sequenceOption(options["to-seq"], "to-seq"),
    limit: sequenceOption(options.limit ?? "100", "limit"),
  });
  for await (const entry of entries) cli.print(cli.json ? printableJson(entry) : eventLine(entry));
}
