/**
 * `faults list | set <point> <action> [--probability p] [--delay-ms n] | clear [point]`: the
 * faults injected into the services (docs/faults.md).
 */
import { faultActions, type FaultRule } from "../../shared/faults/mod.ts";
import {
  clearFault,
  clearFaults,
  describeFault,
  type FaultEntry,
  listFaults,
  setFault,
} from "../../shared/operator/mod.ts";
import { type Cli, UsageError } from "../cli.ts";
import { printable, printableJson } from "../format.ts";

export interface FaultsOptions {
  probability?: string;
  "delay-ms"?: string;
}

const usage = "faults list | faults set <point> fail|delay|exit [--probability 1] " +
  "[--delay-ms N] | faults clear [point]";

export async function faults(cli: Cli, args: string[], options: FaultsOptions) {
  const [verb, point, action, ...rest] = args;
  const by = { actor: cli.actor, log: cli.log };
  if (verb === "list" && !point) {
    const entries = await listFaults(cli.nc);
    if (cli.json) return cli.print(printableJson(entries));
    if (entries.length === 0) return cli.print("no faults set");
    return entries.forEach((entry) => cli.print(faultLine(entry)));
  }
  if (verb === "set" && point && action && rest.length === 0) {
    const rule = await setFault(cli.nc, point, ruleOf(action, options), by);
    return cli.print(
      cli.json ? printableJson({ point, rule }) : printable(`set ${point}: ${describeFault(rule)}`),
    );
  }
  if (verb === "clear" && !action) {
    if (point) {
      const was = await clearFault(cli.nc, point, by);
      return cli.print(
        cli.json
          ? printableJson({ cleared: was ? [point] : [] })
          : printable(was ? `cleared ${point}` : `no fault at ${point}`),
      );
    }
    const cleared = await clearFaults(cli.nc, by);
    return cli.print(cli.json ? printableJson({ cleared }) : `cleared ${cleared.length} faults`);
  }
  throw new UsageError(usage);
}

/** The rule the command line asks for; a usage error for an unknown action or a bad number. */
export function ruleOf(action: string, options: FaultsOptions): FaultRule {
  if (!faultActions.includes(action as FaultRule["action"])) {
    throw new UsageError(`no fault action "${action}": ${faultActions.join(", ")}`);
  }
  const probability = number(options.probability ?? "1", "probability");
  const delayMs = options["delay-ms"] === undefined
    ? undefined
    : number(options["delay-ms"], "delay-ms");
  if (action === "delay" && delayMs === undefined) throw new UsageError("a delay needs --delay-ms");
  return {
    action: action as FaultRule["action"],
    probability,
    ...(delayMs === undefined ? {} : { delayMs }),
  };
}

function number(value: string, name: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) {
    throw new UsageError(`--${name} must be a number`);
  }
  return n;
}

/** `<point>  <rule>  set <time>`, or the problem of a value the services ignore. */
export function faultLine(entry: FaultEntry): string {
  const rule = entry.rule ? describeFault(entry.rule) : `ignored by the services: ${entry.problem}`;
  return printable([entry.point, rule, `set ${entry.setAt}`].join("  "));
}
