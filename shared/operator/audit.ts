/**
 * Operator actions, recorded twice: a log line where they happen, and a fact on the AUDIT
 * stream that outlives every process (`deno task ops events tail AUDIT`).
 */
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import {
  auditStream,
  type EventData,
  lineBreakingOrControl,
  maxAuditActorLength,
  maxAuditOutcomeLength,
  maxAuditTargetLength,
  maxOperatorReasonLength,
  operatorActed,
  operatorReason,
} from "../contracts/mod.ts";
import { ServiceError } from "../errors/mod.ts";
import { ensureStream } from "../bus/mod.ts";
import type { Logger } from "../log/mod.ts";
import { createEvent } from "../outbox/mod.ts";
import { actingAs } from "./identity.ts";

/** The data of an `audit.operator.acted` event: actor, action, target, reason and outcome. */
export type OperatorAction = EventData<typeof operatorActed>;

const controls = new RegExp(lineBreakingOrControl.source, "gu");

/**
 * `value` as one line of at most `max` characters that the audit event's schema takes: each
 * control character (ESC, NUL, CR, LF, …) written as its `\uXXXX` escape, lone surrogates as
 * U+FFFD, and the end cut with `…`. An outcome is often an error text made after the action
 * ran: recording it must not fail because of what it says.
 */
export function auditText(value: string, max: number): string {
  const line = value.toWellFormed().replace(
    controls,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  if (line.length <= max) return line;
  // Cut by code point, so that no surrogate pair is split in two.
  let kept = "";
  for (const char of line) {
    if (kept.length + char.length > max - 1) break;
    kept += char;
  }
  return kept + "…";
}

/**
 * `reason` when it is an operator's reason (`operatorReason`: one line of 3 to 500 characters,
 * no control characters), trimmed. Throws `invalid` naming what is wrong, before any action.
 */
export function requireReason(reason: string): string {
  const checked = operatorReason.safeParse(reason);
  if (checked.success) return checked.data;
  throw new ServiceError("invalid", `reason: ${checked.error.issues[0].message}`, {
    field: "reason",
  });
}

/** The action with every text fitted to the event's bounds (see `auditText`). */
export function auditData(action: OperatorAction): OperatorAction {
  return {
    actor: auditText(action.actor, maxAuditActorLength) || "?",
    action: action.action,
    target: auditText(action.target, maxAuditTargetLength),
    ...(action.reason === undefined
      ? {}
      : { reason: auditText(action.reason, maxOperatorReasonLength) }),
    outcome: auditText(action.outcome, maxAuditOutcomeLength),
  };
}

/**
 * Logs `action` and publishes it on the AUDIT stream. Its texts are fitted to the event's
 * bounds first (`auditData`), so the action, already done, is never answered with a
 * validation error; a NATS failure to publish is still thrown.
 */
export async function recordAction(
  nc: NatsConnection,
  log: Logger,
  action: OperatorAction,
): Promise<void> {
  // The record names the NATS identity that acted, beside the person.
  const data = auditData({ ...action, actor: actingAs(nc, action.actor) });
  log.info("operator action", data);
  await ensureStream(nc, auditStream);
  const event = createEvent(operatorActed, data, {
    source: "ops",
    correlationId: crypto.randomUUID(),
  });
  await jetstream(nc).publish(operatorActed.subject, JSON.stringify(event), { msgID: event.id });
}
