/**
 * The bridge's NATS identity (`bridge`), generated like a service's from the declarations of the
 * services it carries and nothing else: it serves their RPC and operator subjects in their queue
 * groups and answers the services framework's discovery for them, answers each request (once, or
 * once per carried service for a discovery request to all: `allow_responses`), consumes and acks their own durables (never another's), and writes their
 * dead letters. It publishes no event and calls no service.
 */
import {
  consumerApi,
  type DeclaredService,
  othersDurables,
  type Permissions,
  publishedStream,
} from "./permissions.ts";

/** The bridge's identity: its name on NATS and its seed file's. */
export const bridgeName = "bridge";

/** The stream of dead letters (shared/events/dead_letters.ts). */
const deadLetters = "DEADLETTERS";

/**
 * The permissions of the bridge carrying the services named `carried`, among `services` (the
 * registry). Throws an Error for a carried name no service has, one named like the bridge, or
 * one that serves nothing and reacts to nothing.
 */
export function bridgePermissions(
  carried: readonly string[],
  services: readonly DeclaredService[],
): Permissions {
  const publish = new Set<string>();
  const subscribe = new Set<string>([`_INBOX.${bridgeName}.>`]);
  const deny = new Set<string>();
  const notCarried = services.filter((s) => !carried.includes(s.name));
  for (const name of carried) {
    if (name === bridgeName) throw new Error(`"${bridgeName}" is the bridge's own identity`);
    const service = services.find((s) => s.name === name);
    if (!service) throw new Error(`the bridge carries ${name}, which no service is`);
    const { serves, reactsTo = [] } = service.bus;
    if (!serves && reactsTo.length === 0) {
      throw new Error(`the bridge carries ${name}, which serves and reacts to nothing`);
    }
    if (serves) {
      subscribe.add(`rpc.${name}.> ${name}`).add(`ops.${name}.> ${name}`);
      // The services framework's discovery, answered for the service (bridge/service_discovery.ts).
      for (const verb of ["PING", "INFO", "STATS"]) {
        subscribe.add(`$SRV.${verb}`).add(`$SRV.${verb}.${name}`).add(`$SRV.${verb}.${name}.*`);
      }
    }
    for (const reacted of reactsTo) {
      const stream = publishedStream(reacted.name, services).name;
      publish.add("$JS.API.INFO");
      publish.add(`$JS.API.STREAM.INFO.${stream}`).add(`$JS.API.STREAM.CREATE.${stream}`);
      // The service's own durable: made, read and pulled; never deleted (that is the operator's).
      for (const subject of consumerApi(stream, name)) {
        if (!subject.includes(".DELETE.")) publish.add(subject);
      }
      publish.add(`$JS.ACK.${stream}.${name}.>`);
      // Defence in depth: any durable on the stream but those of the services it carries.
      for (const subject of othersDurables(stream, name, notCarried)) deny.add(subject);
    }
    if (reactsTo.length > 0) {
      publish.add(`deadletter.${name}.>`);
      publish.add(`$JS.API.STREAM.INFO.${deadLetters}`);
      publish.add(`$JS.API.STREAM.CREATE.${deadLetters}`);
      // A dead letter is written once: the stream is asked for the last one on its subject.
      publish.add(`$JS.API.STREAM.MSG.GET.${deadLetters}`);
    }
  }
  return {
    publish: { allow: [...publish], deny: [...deny] },
    subscribe: { allow: [...subscribe], deny: [] },
    // One answer per carried service to a bare `$SRV.<verb>`: each answers as an instance.
    allowResponses: Math.max(1, carried.length),
  };
}
