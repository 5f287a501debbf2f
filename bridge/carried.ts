/**
 * What the bridge must know of each service it carries, from the service's declarations: the RPC
 * subjects it serves (its contract's and the operator's) by method name, and the streams it
 * reacts to with the event subjects its handlers read (which choose its durables' filters).
 */
import { operationsApi, type RpcService, type StreamDefinition } from "../shared/contracts/mod.ts";
import type { EventHandler } from "../shared/events/mod.ts";
import { subjectWithin } from "../shared/bus/subject_subset.ts";
import type { BusUse } from "../shared/runtime/mod.ts";
import type { CarriedAddress } from "./config.ts";

/** A durable the bridge consumes for a service: the stream, and the handlers' events on it. */
export interface CarriedStream {
  stream: StreamDefinition;
  handlers: readonly Pick<EventHandler, "event">[];
}

/** A service the bridge carries. */
export interface CarriedService extends CarriedAddress {
  /** Its RPC subjects (`rpc.<name>.*`, `ops.<name>.*`) to the method named in the request path. */
  methods: ReadonlyMap<string, string>;
  /** The streams it reacts to, each consumed through the service's own durable. */
  streams: readonly CarriedStream[];
}

/** A service as the bridge reads its declaration: name, bus use and event handlers. */
export interface DeclaredService {
  name: string;
  bus: BusUse;
}

/**
 * The carried services of `addresses`, from `services`' declarations and `handlers` (every
 * handler of each service, all streams together). Throws an Error naming a service that is not
 * declared, or that serves nothing and reacts to nothing (nothing to carry).
 */
export function carriedFrom(
  addresses: readonly CarriedAddress[],
  services: readonly DeclaredService[],
  handlers: Readonly<Record<string, readonly Pick<EventHandler, "event">[]>>,
): CarriedService[] {
  return addresses.map((address) => {
    const declared = services.find((s) => s.name === address.name);
    if (!declared) {
      const known = services.map((s) => s.name).join(", ");
      throw new Error(`BRIDGE_SERVICES names ${address.name}, which is no service (${known})`);
    }
    const { serves, reactsTo = [] } = declared.bus;
    if (!serves && reactsTo.length === 0) {
      throw new Error(`BRIDGE_SERVICES names ${address.name}, which serves and reacts to nothing`);
    }
    const own = handlers[address.name] ?? [];
    return {
      ...address,
      methods: serves ? methodsOf(serves) : new Map(),
      streams: reactsTo.map((stream) => ({
        stream,
        handlers: own.filter((h) => stream.subjects.some((s) => subjectWithin(h.event.subject, s))),
      })),
    };
  });
}

/** Every subject `contract`'s service answers, its operator endpoints too, to its method name. */
export function methodsOf(contract: RpcService): Map<string, string> {
  const endpoints = { ...contract.endpoints, ...operationsApi(contract.name).endpoints };
  return new Map(Object.entries(endpoints).map(([method, { subject }]) => [subject, method]));
}
