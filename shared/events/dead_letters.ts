/**
 * Where a message goes when it cannot be handled: it fails validation, or it failed every
 * delivery allowed. Copied with why and where from, then terminated, so it never blocks the
 * messages behind it and can be inspected and re-driven later.
 */
import { headers, type NatsConnection } from "@nats-io/nats-core";
import { jetstream, type JsMsg } from "@nats-io/jetstream";
import type { StreamDefinition } from "../contracts/mod.ts";

export const deadLettersStream: StreamDefinition = {
  name: "DEADLETTERS",
  subjects: ["deadletter.>"],
};

export const deadLetterHeaders = {
  service: "Dead-Letter-Service",
  stream: "Dead-Letter-Stream",
  sequence: "Dead-Letter-Sequence",
  subject: "Dead-Letter-Subject",
  reason: "Dead-Letter-Reason",
} as const;

export async function sendToDeadLetters(
  nc: NatsConnection,
  service: string,
  message: JsMsg,
  reason: string,
): Promise<void> {
  const h = headers();
  h.set(deadLetterHeaders.service, service);
  h.set(deadLetterHeaders.stream, message.info.stream);
  h.set(deadLetterHeaders.sequence, String(message.info.streamSequence));
  h.set(deadLetterHeaders.subject, message.subject);
  // Header values are one line.
  h.set(deadLetterHeaders.reason, reason.replace(/\s+/g, " ").slice(0, 1000));
  // The dead letter stays in the trace of the message it copies.
  const traceparent = message.headers?.get("traceparent");
  if (traceparent) h.set("traceparent", traceparent);
  await jetstream(nc).publish(`deadletter.${service}.${message.subject}`, message.data, {
    headers: h,
    // One dead letter per (service, message), however often this runs.
    msgID: `${service}:${message.info.stream}:${message.info.streamSequence}`,
  });
}
