/**
 * The operator's CLI: `deno task ops <command>`. Reaches the platform through NATS alone, like
 * the services themselves; see the README's "Operating the platform". NATS is where NATS_URL
 * says, else where a running `deno task dev` wrote it (`<DATA_DIR>/dev.json`), else the default.
 * Every failure is one line on stderr: exit 2 for a usage error, 1 for anything else.
 */
import { parseArgs } from "node:util";
import { errors } from "@nats-io/nats-core";
import { readDevStack } from "../infra/dev/stack_file.ts";
import { credentialsDir, seedFile } from "../infra/nats/credentials.ts";
import { operatorName } from "../shared/operator/mod.ts";
import { connectNats } from "../shared/bus/mod.ts";
import { redactUrl } from "../shared/config/mod.ts";
import { ServiceError } from "../shared/errors/mod.ts";
import { createLogger } from "../shared/log/mod.ts";
import { type Cli, UsageError } from "./cli.ts";
import { deadLetters } from "./commands/dead_letters.ts";
import { faults } from "./commands/faults.ts";
import { outbox } from "./commands/outbox.ts";
import { showEvents, tailEvents } from "./commands/events.ts";
import { replay } from "./commands/replay.ts";
import { sagas } from "./commands/sagas.ts";
import { services } from "./commands/services.ts";
import { streams } from "./commands/streams.ts";
import { printable } from "./format.ts";

const usage = `usage: deno task ops <command>

  events tail <stream|subject> [-n 10] [--follow] [--since 10m | --from-seq N]
  events show <stream|subject> [--from-seq N | --since T] [--to-seq N] [--limit 100]
  events show <stream> <seq>
  replay <service> <stream|subject> [--from-seq N | --since T] [--to-seq N] [--dry-run]
  replay <service> --rebuild [--accept-missing]
  deadletters list [--service name]
  deadletters show <seq>
  deadletters redrive <seq...> | --all [--service name]
  deadletters discard <seq...> --reason "why"
  outbox <service> [--requeue ID | --discard ID --reason "why"]
  services [name]
  streams retention [--apply]
  faults list | faults clear [point]
  faults set <point> fail|delay|exit [--probability 1] [--delay-ms N]
  sagas [--stuck-after <seconds>] [--stuck] [--failed] [--limit N] [--cursor C]
  sagas retry <orderId> --reason "why"

  every command: --json (machine-readable), --actor name (for the audit; default $USER)
  NATS_URL says where NATS is (a cluster: its servers, comma-separated); unset, the stack
  \`deno task dev\` runs (DATA_DIR/dev.json),
  else nats://127.0.0.1:4222. It signs in as the operator: NATS_NKEY_SEED, else the seed
  \`deno task dev\` keeps in DATA_DIR/credentials/operator.nk. A tls:// server whose CA the
  system does not trust: NATS_CA_FILE=<ca.pem> (wss://: DENO_CERT=<ca.pem>)`;

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
        "accept-missing": { type: "boolean" },
        apply: { type: "boolean" },
        service: { type: "string" },
        all: { type: "boolean" },
        reason: { type: "string" },
        requeue: { type: "string" },
        discard: { type: "string" },
        wait: { type: "string" },
        probability: { type: "string" },
        "delay-ms": { type: "string" },
        "stuck-after": { type: "string" },
        stuck: { type: "boolean" },
        failed: { type: "boolean" },
        cursor: { type: "string" },
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
const nats = await natsUrl();
const seed = await operatorSeed();
const caFile = Deno.env.get("NATS_CA_FILE") || undefined;
const nc = await connectNats(nats.url, operatorName, seed, { caFile }).catch((error) => {
  console.error(
    `ops: cannot reach NATS at ${redactUrl(nats.url)} (${nats.from}): ${error.message}`,
  );
  Deno.exit(1);
});
// The default may be somebody else's nats-server: say whose streams a redrive or discard acts on.
if (nats.fallback) console.error(`ops: NATS at ${redactUrl(nats.url)} (${nats.from})`);
const cli: Cli = {
  nc,
  // The audit stream keeps the record; the log goes to stderr, beside the progress.
  log: createLogger({ service: "ops", level: "warn", write: (line) => console.error(line) }),
  actor: options.actor ?? Deno.env.get("USER") ?? "ops-cli",
  json: options.json ?? false,
  // Every line once more through `printable`, whatever command made it: streams hold what
  // anyone published, and a terminal obeys the escape sequences in it.
  print: (line) => console.log(printable(line, { newlines: true })),
  status: (line) => {
    if (terminal) Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${printable(line)}`));
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
    case "outbox":
      await outbox(cli, args[0], options);
      break;
    case "services":
      await services(cli, args[0], options);
      break;
    case "streams":
      await streams(cli, args, options);
      break;
    case "faults":
      await faults(cli, args, options);
      break;
    case "sagas":
      await sagas(cli, args, options);
      break;
    default:
      throw new UsageError(`no command ${command}`);
  }
} catch (error) {
  if (error instanceof UsageError) console.error(`ops: ${error.message}\n\n${usage}`);
  else console.error(`ops: ${printable(failure(error))}`);
  exitCode = error instanceof UsageError ? 2 : 1;
} finally {
  await nc.close();
}
Deno.exit(exitCode);

/**
 * The operator's NKey seed: NATS_NKEY_SEED, else the one `deno task dev` made in
 * `<DATA_DIR>/credentials/operator.nk`, else none (a server without authorization).
 */
async function operatorSeed(): Promise<string | undefined> {
  const given = Deno.env.get("NATS_NKEY_SEED");
  if (given) return given;
  const file = seedFile(credentialsDir(Deno.env.get("DATA_DIR") || ".data"), operatorName);
  return await Deno.readTextFile(file).then((text) => text.trim(), () => undefined);
}

/** Where NATS is, and what said so, for the message when it cannot be reached. */
async function natsUrl(): Promise<{ url: string; from: string; fallback?: true }> {
  const given = Deno.env.get("NATS_URL");
  if (given) return { url: given, from: "NATS_URL" };
  const dataDir = Deno.env.get("DATA_DIR") || ".data";
  const stack = await readDevStack(dataDir);
  if (stack) {
    return { url: stack.natsUrl, from: `${dataDir}/dev.json, deno task dev pid ${stack.pid}` };
  }
  return {
    url: "nats://127.0.0.1:4222",
    from: `the default: NATS_URL is not set and no ${dataDir}/dev.json names a dev stack`,
    fallback: true,
  };
}

/** One line for what went wrong: the operator needs the cause, not the CLI's stack. */
function failure(error: unknown): string {
  if (error instanceof ServiceError) return error.message;
  if (error instanceof errors.NoRespondersError) {
    return `nothing answers on ${error.subject}: is the service running on this NATS?`;
  }
  if (error instanceof errors.TimeoutError) return "no answer in time: is the service running?";
  return redactUrl(error instanceof Error ? error.message : String(error));
}
