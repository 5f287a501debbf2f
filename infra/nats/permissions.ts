/**
 * The NATS permissions of every identity, generated from what each service declares in its
 * module (`bus`: serves, publishes, reactsTo, calls) and nothing else: never kept by hand. Fails
 * closed: a service that declares nothing may only read its own reply inbox, and a declaration
 * naming a stream nobody publishes, a service nobody serves, or a stream outside the service's
 * own subjects throws. The subjects are the ones nats.js 3.4 and nats-server 2.9 really use (see
 * docs/configuration.md, "Identities on NATS").
 */
import type { BusUse } from "../../shared/runtime/mod.ts";
import type { StreamDefinition } from "../../shared/contracts/mod.ts";
import { operatorName } from "../../shared/operator/mod.ts";
import { faultsBucket } from "../../shared/faults/mod.ts";

/** A service as the generator sees it: its name and its declared bus use. */
export interface DeclaredService {
  name: string;
  bus: BusUse;
}

/** What one identity may publish and subscribe to (nats-server's `permissions` block). */
export interface Permissions {
  publish: { allow: string[]; deny: string[] };
  /** A `subject queue` entry allows the subject only in that queue group. */
  subscribe: { allow: string[]; deny: string[] };
  /**
   * May reply to requests it received (`allow_responses`): `true` once each; a number, up to that
   * many times each (the bridge answers a bare `$SRV.INFO` once per service it carries).
   */
  allowResponses: boolean | number;
}

export { operatorName };

/** The stream of dead letters (shared/events/dead_letters.ts); each service writes its own. */
const deadLetters = "DEADLETTERS";
/** The operator's audit stream (shared/operator/audit.ts). */
const audit = "AUDIT";

/** The stream behind the faults bucket (shared/faults/): the operator writes, services watch. */
const faultsStream = `KV_${faultsBucket}`;

/**
 * What watching its own keys of the faults bucket takes (nats.js's KV watch: an ordered push
 * consumer filtered on `$KV.FAULTS.<service>.>`, delivered to the service's own inbox, its flow
 * control answered): no `$KV.FAULTS.>` publish, so it cannot write. Not the consumer's delete,
 * which nats.js tries after a gap: the server drops an idle watch's consumer after 5 minutes.
 */
function faultsWatch(service: string): string[] {
  return [
    `$JS.API.CONSUMER.CREATE.${faultsStream}.*.$KV.${faultsBucket}.${service}.>`,
    `$JS.FC.${faultsStream}.>`,
  ];
}

/** Where a service publishes a replay's progress for the operator: `progress.<service>.*`. */
export function progressSubjects(service: string): string {
  return `progress.${service}.>`;
}

/** The JetStream API a client of stream `stream` needs to find it and make it as declared. */
function streamAdmin(stream: string): string[] {
  return ["CREATE", "UPDATE", "INFO"].map((verb) => `$JS.API.STREAM.${verb}.${stream}`);
}

/** The JetStream API of consumer `consumer` on `stream`: make it, read its state, pull, delete. */
export function consumerApi(stream: string, consumer: string): string[] {
  return [
    `$JS.API.CONSUMER.CREATE.${stream}.${consumer}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${consumer}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.${consumer}`,
    `$JS.API.CONSUMER.INFO.${stream}.${consumer}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`,
    `$JS.API.CONSUMER.DELETE.${stream}.${consumer}`,
  ];
}

/** Every durable consumer on `stream` but `except`'s: nobody else may pull, make or delete it. */
export function othersDurables(
  stream: string,
  except: string,
  services: readonly DeclaredService[],
) {
  return services
    .filter((s) => s.name !== except && s.bus.reactsTo?.some((r) => r.name === stream))
    .flatMap((s) => [...consumerApi(stream, s.name), `$JS.ACK.${stream}.${s.name}.>`]);
}

/** The stream named `name` as some service of `services` publishes it; throws when none does. */
export function publishedStream(
  name: string,
  services: readonly DeclaredService[],
): StreamDefinition {
  const owner = services.find((s) => s.bus.publishes?.name === name);
  if (!owner) throw new Error(`no service declares that it publishes the stream ${name}`);
  return owner.bus.publishes!;
}

const nameToken = /^[a-z][a-z0-9-]*$/;

/**
 * The permissions of `service`'s identity, from its declaration, among `services` (the
 * registry, which says who publishes each stream and who else consumes it). Throws an Error for
 * a name that is not one NATS token, a served contract not named after the service, a stream
 * whose subjects are not the service's own (`<service>.…`), a stream reacted to that nobody
 * publishes, or a call to a service nobody serves.
 */
export function servicePermissions(
  service: DeclaredService,
  services: readonly DeclaredService[],
): Permissions {
  const { name, bus } = service;
  if (!nameToken.test(name)) throw new Error(`service name "${name}" is not a plain NATS token`);
  if (name === operatorName) throw new Error(`"${operatorName}" is the operator's identity`);
  const publish = new Set<string>();
  const subscribe = new Set<string>([`_INBOX.${name}.>`]);
  const deny = new Set<string>();

  if (bus.serves) {
    if (bus.serves.name !== name) {
      throw new Error(`${name} declares it serves ${bus.serves.name}'s contract`);
    }
    // Its endpoints and the operator's, in its queue group only: nobody else may join it.
    subscribe.add(`rpc.${name}.> ${name}`).add(`ops.${name}.> ${name}`);
    // The services framework's discovery, answered by every instance, not in a queue.
    for (const verb of ["PING", "INFO", "STATS"]) {
      subscribe.add(`$SRV.${verb}`).add(`$SRV.${verb}.${name}`).add(`$SRV.${verb}.${name}.*`);
    }
    publish.add(progressSubjects(name));
    // Every service that serves runs through the kit, which watches its faults.
    for (const subject of faultsWatch(name)) publish.add(subject);
  }

  if (bus.publishes) {
    const stream = bus.publishes;
    const foreign = stream.subjects.filter((s) => !s.startsWith(`${name}.`));
    if (foreign.length) {
      throw new Error(
        `${name} declares the stream ${stream.name} with subjects not its own: ` +
          foreign.join(", "),
      );
    }
    for (const subject of stream.subjects) publish.add(subject);
    publish.add("$JS.API.INFO");
    for (const subject of streamAdmin(stream.name)) publish.add(subject);
  }

  for (const reacted of bus.reactsTo ?? []) {
    const stream = publishedStream(reacted.name, services).name;
    publish.add("$JS.API.INFO");
    // It may make the stream when it starts first, never change it: that is its publisher's.
    publish.add(`$JS.API.STREAM.INFO.${stream}`).add(`$JS.API.STREAM.CREATE.${stream}`);
    // Its durable, acked one message at a time.
    for (const subject of consumerApi(stream, name)) publish.add(subject);
    publish.add(`$JS.ACK.${stream}.${name}.>`);
    // Replay and rebuild read with ordered consumers of their own (names nats.js makes up):
    // any consumer on a stream it reads, but never another service's durable.
    for (const subject of consumerApi(stream, "*")) {
      // Not a durable of any name, though: only its own.
      if (!subject.includes(".DURABLE.")) publish.add(subject);
    }
    publish.add(`$JS.API.STREAM.MSG.GET.${stream}`);
    for (const subject of othersDurables(stream, name, services)) deny.add(subject);
  }

  if (bus.reactsTo?.length) {
    // Its dead letters: written under its own name, read and deleted again by a redrive.
    publish.add(`deadletter.${name}.>`);
    publish.add(`$JS.API.STREAM.INFO.${deadLetters}`).add(`$JS.API.STREAM.CREATE.${deadLetters}`);
    publish.add(`$JS.API.STREAM.MSG.GET.${deadLetters}`);
    publish.add(`$JS.API.STREAM.MSG.DELETE.${deadLetters}`);
  }

  for (const callee of bus.calls ?? []) {
    if (!services.some((s) => s.bus.serves?.name === callee.name)) {
      throw new Error(`${name} declares it calls ${callee.name}, which no service serves`);
    }
    if (callee.name === name) throw new Error(`${name} declares it calls itself`);
    publish.add(`rpc.${callee.name}.>`);
    // Read-only questions: is it ready, is it there, what has it served.
    publish.add(`ops.${callee.name}.ready`);
    for (const verb of ["PING", "INFO", "STATS"]) publish.add(`$SRV.${verb}.${callee.name}`);
  }

  return {
    publish: { allow: [...publish], deny: [...deny] },
    subscribe: { allow: [...subscribe], deny: [] },
    allowResponses: bus.serves !== undefined,
  };
}

/**
 * The operator's permissions: ask any service (`ops.>`, `$SRV.>`), read every stream through
 * consumers of its own (never a service's durable), list streams, record on AUDIT, handle dead
 * letters, set faults (the FAULTS bucket), and hear the progress services publish. It may not publish events of any service,
 * delete streams or consumers of services, nor call their RPC endpoints.
 */
export function operatorPermissions(services: readonly DeclaredService[]): Permissions {
  const streams = services.flatMap((s) => s.bus.publishes ? [s.bus.publishes.name] : []);
  const deny = new Set<string>();
  for (const stream of [...streams, deadLetters, audit]) {
    for (const subject of othersDurables(stream, operatorName, services)) deny.add(subject);
  }
  return {
    publish: {
      allow: [
        "ops.>",
        "$SRV.>",
        "$JS.API.INFO",
        "$JS.API.STREAM.NAMES",
        "$JS.API.STREAM.LIST",
        "$JS.API.STREAM.INFO.*",
        "$JS.API.STREAM.MSG.GET.*",
        // Consumers of its own to read with, not durables.
        ...consumerApi("*", "*").filter((subject) => !subject.includes(".DURABLE.")),
        // Discarding a dead letter: a tombstone on its subject, the letter deleted.
        "deadletter.>",
        ...streamAdmin(deadLetters),
        `$JS.API.STREAM.MSG.DELETE.${deadLetters}`,
        "audit.>",
        ...streamAdmin(audit),
        // Setting and clearing faults: the bucket's stream, its keys, a watch's flow control.
        ...streamAdmin(faultsStream),
        `$KV.${faultsBucket}.>`,
        `$JS.FC.${faultsStream}.>`,
      ],
      deny: [...deny],
    },
    subscribe: { allow: [`_INBOX.${operatorName}.>`, "progress.>"], deny: [] },
    allowResponses: false,
  };
}

/** An identity in the server's configuration: its NKey public key and what it may do. */
export interface ConfiguredUser {
  /** Its name, written as a comment beside it. */
  name: string;
  publicKey: string;
  /** Null: everything (for the test harness's own observer only). */
  permissions: Permissions | null;
}

/**
 * The `authorization` block of nats-server's configuration for `users`: every client must sign
 * in with one of these NKeys (anonymous connections are refused), each with its permissions.
 */
export function authorizationBlock(users: readonly ConfiguredUser[]): string {
  const list = (values: string[]) => JSON.stringify(values);
  const lines = users.map(({ name, publicKey, permissions }) => {
    if (!permissions) return `    # ${name}\n    { nkey: ${JSON.stringify(publicKey)} }`;
    const { publish, subscribe, allowResponses } = permissions;
    return [
      `    # ${name}`,
      `    { nkey: ${JSON.stringify(publicKey)}, permissions: {`,
      `      publish: { allow: ${list(publish.allow)}, deny: ${list(publish.deny)} }`,
      `      subscribe: { allow: ${list(subscribe.allow)}, deny: ${list(subscribe.deny)} }`,
      `      allow_responses: ${
        typeof allowResponses === "number" ? `{ max: ${allowResponses} }` : allowResponses
      }`,
      `    } }`,
    ].join("\n");
  });
  return ["authorization {", "  users: [", ...lines, "  ]", "}", ""].join("\n");
}
