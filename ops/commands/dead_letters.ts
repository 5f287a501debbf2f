/** `deadletters list | show | redrive | discard`. */
import {
  discardDeadLetter,
  listDeadLetters,
  redriveDeadLetters,
  showDeadLetter,
} from "../../shared/operator/mod.ts";
import { type Cli, sequenceOption, UsageError } from "../cli.ts";
import { deadLetterLine, printable, printableJson } from "../format.ts";

export interface DeadLetterOptions {
  service?: string;
  all?: boolean;
  reason?: string;
}

export async function deadLetters(
  cli: Cli,
  action: string | undefined,
  args: string[],
  options: DeadLetterOptions,
) {
  switch (action) {
    case "list": {
      const letters = await listDeadLetters(cli.nc, { service: options.service });
      if (cli.json) return cli.print(printableJson(letters));
      if (letters.length === 0) return cli.print("no dead letters");
      return letters.forEach((letter) => cli.print(deadLetterLine(letter)));
    }
    case "show": {
      const letter = await showDeadLetter(cli.nc, sequenceOption(args[0], "seq") ?? usage());
      return cli.print(printableJson(letter, cli.json ? 0 : 2));
    }
    case "redrive": {
      const sequences = args.map((arg) => sequenceOption(arg, "seq")!);
      // "All" only when asked for: never what an empty list means.
      if ((sequences.length === 0) !== (options.all === true)) {
        throw new UsageError("deadletters redrive <seq...> | --all [--service name]");
      }
      const results = await redriveDeadLetters(cli.nc, {
        sequences,
        all: options.all,
        service: options.service,
        actor: cli.actor,
        log: cli.log,
      });
      if (cli.json) return cli.print(printableJson(results));
      if (results.length === 0) return cli.print("no dead letters to re-drive");
      for (const result of results) {
        cli.print(
          printable(`#${result.seq}  ${result.outcome}${result.error ? `  ${result.error}` : ""}`),
        );
      }
      return;
    }
    case "discard": {
      const sequences = args.map((arg) => sequenceOption(arg, "seq")!);
      if (sequences.length === 0 || !options.reason) {
        throw new UsageError('deadletters discard <seq...> --reason "why"');
      }
      for (const seq of sequences) {
        const letter = await discardDeadLetter(cli.nc, {
          seq,
          reason: options.reason,
          actor: cli.actor,
          log: cli.log,
        });
        cli.print(
          printable(
            `discarded #${letter.seq} (${letter.service}, ${letter.subject}): ${options.reason}`,
          ),
        );
      }
      return;
    }
    default:
      usage();
  }
}

function usage(): never {
  throw new UsageError(
    "deadletters list | show <seq> | redrive <seq...>|--all | discard <seq...> --reason",
  );
}
