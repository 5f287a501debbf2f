/**
 * What a service does on NATS, declared once in its module: the RPC contract it serves, the
 * stream it publishes, the streams it reacts to and the services it calls. The NATS permissions
 * of its identity are generated from this (infra/nats/permissions.ts), and `runService` reports
 * what it really runs, which the boot compares with this (`checkBusUse`), so the two cannot drift.
 */
import type { RpcService, StreamDefinition } from "../contracts/mod.ts";

/**
 * A service's use of the bus. Everything is optional: a service that declares nothing may do
 * nothing on NATS beyond its own reply inbox.
 */
export interface BusUse {
  /** The contract it serves (`rpc.<name>.>` and the operator's `ops.<name>.>`, queue `<name>`). */
  serves?: RpcService;
  /** The stream of the events it states (publishes through its outbox). */
  publishes?: StreamDefinition;
  /** The streams it reacts to, each with a durable consumer named after the service. */
  reactsTo?: readonly StreamDefinition[];
  /** The services whose RPC endpoints it calls (`rpc.<name>.>`) and whose readiness it asks. */
  calls?: readonly RpcService[];
}

/** What `runService` really runs, by name: compared with the module's `BusUse` at boot. */
export interface BusUseRun {
  serves: string;
  publishes?: string;
  reactsTo: string[];
}

/**
 * Throws an Error naming every difference between what `service` declares (`declared`) and what
 * it started (`run`): a service serving, publishing or reacting to something its module does not
 * declare would run without the permissions for it (or with permissions it does not use).
 */
export function checkBusUse(service: string, declared: BusUse, run: BusUseRun): void {
  const differences: string[] = [];
  const compare = (what: string, declaredNames: string[], runNames: string[]) => {
    const a = [...declaredNames].sort().join(", "), b = [...runNames].sort().join(", ");
    if (a !== b) differences.push(`${what}: declares [${a}], runs [${b}]`);
  };
  compare("serves", declared.serves ? [declared.serves.name] : [], [run.serves]);
  compare(
    "publishes",
    declared.publishes ? [declared.publishes.name] : [],
    run.publishes ? [run.publishes] : [],
  );
  compare("reactsTo", (declared.reactsTo ?? []).map((s) => s.name), run.reactsTo);
  if (differences.length) {
    throw new Error(
      `${service}: its module's bus declaration differs from what it runs: ` +
        differences.join("; "),
    );
  }
}
