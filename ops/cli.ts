/** What every command gets: the connection, output helpers, and an actor for the audit. */
import type { NatsConnection } from "@nats-io/nats-core";
import { registry, serviceNames } from "../services/registry.ts";
import type { Logger } from "../shared/log/mod.ts";

export interface Cli {
  nc: NatsConnection;
  log: Logger;
  /** Who acts, for the audit: --actor, else $USER. */
  actor: string;
  json: boolean;
  print(line: string): void;
  /** A line that replaces itself on a terminal (progress); nothing when not a terminal. */
  status(line: string): void;
}

export class UsageError extends Error {
  override name = "UsageError";
}

/** A positive integer option, or a usage error naming it. */
export function sequenceOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
  return n;
}

/** `--since 10m` (s, m, h, d ago) or an ISO time, as an ISO time. */
export function sinceOption(value: string | undefined, now = Date.now()): string | undefined {
  if (value === undefined) return undefined;
  const ago = value.match(/^(\d+)(s|m|h|d)$/);
  if (ago) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as "s"];
    return new Date(now - Number(ago[1]) * unit).toISOString();
  }
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) {
    throw new UsageError(`--since takes 10m, 2h, 1d or an ISO time, not "${value}"`);
  }
  return time.toISOString();
}

/** `name` when it is one of the registry's services; else a usage error listing them. */
export function knownService(name: string): string {
  if (serviceNames.includes(name)) return name;
  throw new UsageError(`no service "${name}"; the services are ${serviceNames.join(", ")}`);
}

/**
 * The registry's services that answer the operator's endpoints (replay, rebuild, outbox): each
 * with a database, whose events and outbox the kit runs. The gateway owns none.
 */
export const operatedServices: readonly string[] = registry
  .filter((service) => service.migrations !== null)
  .map((service) => service.name);

/** `name` when it answers the operator's endpoints; else a usage error naming those that do. */
export function operatedService(name: string): string {
  knownService(name);
  if (operatedServices.includes(name)) return name;
  throw new UsageError(
    `${name} owns no data the operator acts on; the services that do are ` +
      operatedServices.join(", "),
  );
}
