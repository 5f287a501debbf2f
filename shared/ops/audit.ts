/**
 * Operator actions, recorded twice: a log line where they happen, and a fact on the AUDIT
 * stream that outlives every process (`deno task ops events tail AUDIT`).
 */
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { auditStream, type EventData, operatorActed } from "../contracts/mod.ts";
import { ensureStream } from "../bus/mod.ts";
import type { Logger } from "../log/mod.ts";
import { createEvent } from "../outbox/mod.ts";

export type OperatorAction = EventData<typeof operatorActed>;

export async function recordAction(
  nc: NatsConnection,
  log: Logger,
  action: OperatorAction,
): Promise<void> {
  log.info("operator action", action);
  await ensureStream(nc, auditStream);
  const event = createEvent(operatorActed, action, {
    source: "ops",
    correlationId: crypto.randomUUID(),
  });
  await jetstream(nc).publish(operatorActed.subject, JSON.stringify(event), { msgID: event.id });
}
