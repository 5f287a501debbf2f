/**
 * The outbox rows a service's relay parked (they could not be published as they are), for an
 * operator: list them, re-queue one once its cause is fixed, or discard one with a reason.
 * Each service answers for its own outbox (its operations endpoints); both actions are audited.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { rpcClient } from "../bus/mod.ts";
import { operationsApi, type ParkedOutboxRow } from "../contracts/mod.ts";
import type { Logger } from "../log/mod.ts";
import { recordAction, requireReason } from "./audit.ts";

const client = (nc: NatsConnection, service: string) =>
  rpcClient(nc, operationsApi(service), { timeoutMs: 10_000 });

/** The parked rows of `service`'s outbox, oldest first (at most `limit`, 100). */
export async function listParkedOutbox(
  nc: NatsConnection,
  service: string,
  limit = 100,
): Promise<ParkedOutboxRow[]> {
  return (await client(nc, service).parkedOutbox({ limit })).items;
}

/** Re-queues parked row `id`: the relay publishes it again. Throws `not_found` for no such row. */
export async function requeueOutboxRow(
  nc: NatsConnection,
  options: { service: string; id: string; actor: string; log: Logger },
): Promise<ParkedOutboxRow> {
  const row = await client(nc, options.service).requeueOutbox({ id: options.id });
  await recordAction(nc, options.log, {
    actor: options.actor,
    action: "outbox.requeue",
    target: `${options.service} outbox ${row.id} (${row.subject}, ${row.bytes} bytes)`,
    outcome: "re-queued",
  });
  return row;
}

/**
 * Discards parked row `id`, with a reason: the event is not published, and the audit keeps
 * what it was (id, subject, size, last error). Throws `invalid` without a reason.
 */
export async function discardOutboxRow(
  nc: NatsConnection,
  options: { service: string; id: string; reason: string; actor: string; log: Logger },
): Promise<ParkedOutboxRow> {
  requireReason(options.reason); // before the action: a reason the audit keeps as given
  const row = await client(nc, options.service).discardOutbox({ id: options.id });
  await recordAction(nc, options.log, {
    actor: options.actor,
    action: "outbox.discard",
    target: `${options.service} outbox ${row.id} (${row.subject}, ${row.bytes} bytes)`,
    reason: options.reason,
    outcome: `discarded after ${row.attempts} attempts: ${row.lastError ?? "no error"}`,
  });
  return row;
}
