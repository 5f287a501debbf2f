/**
 * Fault injection, the operator's side: set, clear and list the faults in the `FAULTS`
 * key-value bucket, which the services watch (shared/faults/). The operator makes the bucket
 * when it first sets a fault; services only read it. Setting and clearing are audited.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { isStreamNotFound, streamReplicas } from "../bus/mod.ts";
import { ServiceError } from "../errors/mod.ts";
import { type FaultRule, faultRule, faultsBucket, readRule } from "../faults/mod.ts";
import { createLogger, type Logger } from "../log/mod.ts";
import { recordAction } from "./audit.ts";

/** Who acts, for the audit (default: actor `ops`, the record logged at warn on stderr). */
export interface FaultActor {
  actor?: string;
  log?: Logger;
}

/** A fault in the bucket: its point, its rule (null when its value is no rule) and when set. */
export interface FaultEntry {
  point: string;
  rule: FaultRule | null;
  /** What is wrong with the value, when it is no rule (the services ignore it). */
  problem?: string;
  /** The bucket's revision of the value (its stream sequence). */
  revision: number;
  setAt: string;
}

/**
 * A point the services have: `<service>.handle.<event type>.before_commit|after_commit`,
 * `<service>.relay.before_publish` or `<service>.rpc.<method>`.
 */
const pointShape =
  /^[a-z][a-z0-9-]*\.(handle\.[a-z][a-z0-9_-]*(\.[a-z][a-zA-Z0-9_-]*)+\.(before|after)_commit|relay\.before_publish|rpc\.[a-zA-Z][a-zA-Z0-9_-]*)$/;

/** `point` when it names a fault point; else throws `invalid` saying what the names are. */
export function requirePoint(point: string): string {
  if (point.length <= 255 && pointShape.test(point)) return point;
  throw new ServiceError(
    "invalid",
    `"${point.slice(0, 100)}" is no fault point: <service>.handle.<event type>.before_commit, ` +
      "<service>.handle.<event type>.after_commit, <service>.relay.before_publish or " +
      "<service>.rpc.<method>",
    { field: "point" },
  );
}

/**
 * Sets `rule` at `point` (making the bucket when missing); the services watching it inject it
 * from then on. Resolves to the rule as stored. Throws `invalid` for a point that is no fault
 * point or a rule `faultRule` refuses; a NATS failure as it comes.
 */
export async function setFault(
  nc: NatsConnection,
  point: string,
  rule: FaultRule,
  by: FaultActor = {},
): Promise<FaultRule> {
  requirePoint(point);
  const checked = faultRule.safeParse(rule);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new ServiceError("invalid", `${issue.path.join(".") || "rule"}: ${issue.message}`, {
      field: issue.path.join(".") || "rule",
    });
  }
  const kv = await bucket(nc, { create: true });
  await kv!.put(point, JSON.stringify(checked.data));
  await audit(nc, by, "fault.set", point, describeFault(checked.data));
  return checked.data;
}

/** Clears the fault at `point`; resolves to whether one was set. Throws as `setFault`. */
export async function clearFault(
  nc: NatsConnection,
  point: string,
  by: FaultActor = {},
): Promise<boolean> {
  requirePoint(point);
  const kv = await bucket(nc, { create: false });
  const set = kv ? (await entries(kv)).some((entry) => entry.point === point) : false;
  if (set) await kv!.delete(point);
  await audit(nc, by, "fault.clear", point, set ? "cleared" : "none was set");
  return set;
}

/** Clears every fault; resolves to the points that had one. */
export async function clearFaults(nc: NatsConnection, by: FaultActor = {}): Promise<string[]> {
  const kv = await bucket(nc, { create: false });
  const points = kv ? (await entries(kv)).map((entry) => entry.point) : [];
  for (const point of points) await kv!.delete(point);
  await audit(nc, by, "fault.clear", "every fault", `cleared ${points.length}`);
  return points;
}

/** The faults set, by point; none when the bucket does not exist. */
export async function listFaults(nc: NatsConnection): Promise<FaultEntry[]> {
  const kv = await bucket(nc, { create: false });
  return kv ? await entries(kv) : [];
}

/** `fail p=0.5`, `delay 200 ms p=1`: a rule in a few words. */
export function describeFault(rule: FaultRule): string {
  const delay = rule.action === "delay" ? ` ${rule.delayMs} ms` : "";
  return `${rule.action}${delay} p=${rule.probability}`;
}

/** The bucket, made when missing with `create`; null when missing without. */
async function bucket(nc: NatsConnection, { create }: { create: boolean }): Promise<KV | null> {
  const kvm = new Kvm(nc);
  try {
    await (await jetstreamManager(nc)).streams.info(`KV_${faultsBucket}`);
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
    if (!create) return null;
    // One value per point: a fault's history helps nobody.
    return await kvm.create(faultsBucket, {
      history: 1,
      description: "injected faults",
      replicas: streamReplicas(nc),
    });
  }
  return await kvm.open(faultsBucket);
}

/** The values in the bucket, latest per point, deleted ones left out, by point. */
async function entries(kv: KV): Promise<FaultEntry[]> {
  const latest = new Map<string, FaultEntry | null>();
  for await (const entry of await kv.history()) {
    if (entry.operation !== "PUT") {
      latest.set(entry.key, null);
      continue;
    }
    const rule = readRule(entry.string());
    latest.set(entry.key, {
      point: entry.key,
      rule: typeof rule === "string" ? null : rule,
      ...(typeof rule === "string" ? { problem: rule } : {}),
      revision: entry.revision,
      setAt: entry.created.toISOString(),
    });
  }
  return [...latest.values()].filter((entry) => entry !== null)
    .sort((a, b) => a.point.localeCompare(b.point));
}

async function audit(
  nc: NatsConnection,
  by: FaultActor,
  action: "fault.set" | "fault.clear",
  target: string,
  outcome: string,
) {
  const log = by.log ?? createLogger({ service: "ops", level: "warn", write: console.error });
  await recordAction(nc, log, { actor: by.actor ?? "ops", action, target, outcome });
}
