/**
 * The operator's CLI: `deno task ops <command>`. Reaches the platform through NATS alone
 * (NATS_URL), like the services themselves; see the README's "Operating the platform".
 */
import { parseArgs } from "node:util";
import { connectNats } from "../shared/bus/mod.ts";
import { ServiceError } from "../shared/errors/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { type Cli, UsageError } from "./cli.ts";
import { deadLetters } from "./commands/dead_letters.ts";
import { showEvents, tailEvents } from "./commands/events.ts";
import { replay } from "./commands/replay.ts";
import { services } from "./commands/services.ts";

const usage = `usage: deno task ops <command>

  events tail <stream|subject> [-n 10] [--follow] [--since 10m | --from-seq N]
  events show <stream|subject> [--from-seq N | --since T] [--to-seq N] [--limit 100]
  events show <stream> <seq>
  replay <service> <stream|subject> [--from-seq N | --since T] [--to-seq N] [--dry-run]
  replay <service> --rebuild
  deadletters list [--service name]
  deadletters show <seq>
  deadletters redrive <seq...> | --all [--service name]
  deadletters discard <seq...> --reason "why"
  services [name]

  every command: --json (machine-readable), --actor name (for the audit; default $USER)
  NATS_URL says where NATS is (default nats://127.0.0.1:4222)`;

const { values: options, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        actor: { type: "string" },
        n: { type: "string", short: "n" },
        follow: { type: "boolean", short: "f" },
        "from-seq": { type: "string" },
        since: { type: "string" },
        "to-seq": { type: "string" },
        limit: { type: "string" },
        "dry-run": { type: "boolean" },
        rebuild: { type: "boolean" },
        service: { type: "string" },
        all: { type: "boolean" },
        reason: { type: "string" },
        wait: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    console.error(`ops: ${(error as Error).message}\n\n${usage}`);
    Deno.exit(2);
  }
})();

const [command, ...args] = positionals;
if (options.help || !command) {
  console.log(usage);
  Deno.exit(command || options.help ? 0 : 2);
}

const encoder = new TextEncoder();
const terminal = Deno.stderr.isTerminal();
const nc = await connectNats(Deno.env.get("NATS_URL") ?? "nats://127.0.0.1:4222", "ops-cli")
  .catch((error) => {
    console.error(`ops: cannot reach NATS: ${error.message}`);
    Deno.exit(1);
  });
const cli: Cli = {
  nc,
  // The audit stream keeps the record; the log goes to stderr, beside the progress.
  log: createLogger({ service: "ops", level: "warn", write: (line) => console.error(line) }),
  actor: options.actor ?? Deno.env.get("USER") ?? "ops-cli",
  json: options.json ?? false,
  print: (line) => console.log(line),
  status: (line) => {
    if (terminal) Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${line}`));
  },
};

let exitCode = 0;
try {
  switch (command) {
    case "events":
      if (args[0] === "tail") await tailEvents(cli, args[1], options);
      else if (args[0] === "show") await showEvents(cli, args[1], args[2], options);
      else throw new UsageError("events tail | events show");
      break;
    case "replay":
      await replay(cli, args[0], args[1], options);
      break;
    case "deadletters":
      await deadLetters(cli, args[0], args.slice(1), options);
      break;
    case "services":
      await services(cli, args[0], options);
      break;
    default:
      throw new UsageError(`no command ${command}`);
  }
} catch (error) {
  if (error instanceof UsageError) console.error(`ops: ${error.message}\n\n${usage}`);
  else if (error instanceof ServiceError) console.error(`ops: ${error.message}`);
  else throw error;
  exitCode = error instanceof UsageError ? 2 : 1;
} finally {
  await nc.close();
}
Deno.exit(exitCode);
