/**
 * What becomes of the messages a lane hands over: applied in one transaction and acked, retried
 * later with backoff (nak), or sent to the dead letters, stated as given up on (the handler's
 * `onDeadLetter`) and terminated.
 */
import type { JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { StreamDefinition } from "../contracts/mod.ts";
import { errorText } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { eventHandleDuration, eventsHandled } from "../telemetry/mod.ts";
import { sendToDeadLetters } from "./dead_letters.ts";
import { redeliveryDelayMs } from "./delivery.ts";
import type { Delivery, Dispatcher } from "./dispatch.ts";

/** Who applies the messages, and when a failing one is retried or dead-lettered. */
export interface SettleOptions {
  nc: NatsConnection;
  /** The consuming service: its metrics and its dead letters. */
  service: string;
  /** The stream consumed, named in the logs. */
  stream: StreamDefinition;
  log: Logger;
  /** Applies the messages, each once, through the service's inbox. */
  dispatcher: Dispatcher;
  /** The delivery (counted from 1) at which a failing message becomes a dead letter. */
  maxDeliver: number;
  /** Wait before each redelivery after a failure, in ms; the last one repeats. */
  backoffMs: number[];
  /** Stream sequences held and not yet settled: an ack or a term takes the message out. */
  unsettled: Set<number>;
}

/**
 * A handler of the batches of one lane: the messages in one transaction; if one of them fails,
 * none was applied, and each is then handled alone, so only the failing one is retried (nak with
 * its backoff) and, at its `maxDeliver`th delivery, dead-lettered. A message that is no valid
 * event is dead-lettered at once. Rejects only when not even a nak could be sent.
 */
export function batchSettler(options: SettleOptions): (batch: JsMsg[]) => Promise<void> {
  const { dispatcher, log } = options;
  const handleOne = (message: JsMsg) => handleAlone(options, message);

  return async function handleBatch(batch: JsMsg[]): Promise<void> {
    if (batch.length === 1) return safely(options, () => handleOne(batch[0]), batch[0]);
    const started = performance.now();
    let deliveries: Delivery[];
    try {
      deliveries = await dispatcher.deliverAll(batch);
    } catch (error) {
      log.debug("a batch failed; its events are handled one by one", {
        error,
        events: batch.length,
      });
      for (const message of batch) await safely(options, () => handleOne(message), message);
      return;
    }
    // Settled side by side: the acks go out in the same tick, and nats.js sends what was queued
    // in one tick in one write.
    await Promise.all(
      batch.map((message, i) =>
        safely(options, () => settle(options, message, deliveries[i], started), message)
      ),
    );
  };
}

/** One message in its own transaction; a failure is retried later, then dead-lettered. */
async function handleAlone(options: SettleOptions, message: JsMsg): Promise<void> {
  const { service, maxDeliver, backoffMs: backoff } = options;
  const started = performance.now();
  let delivery: Delivery;
  try {
    delivery = await options.dispatcher.deliver(message);
  } catch (error) {
    const attempt = message.info.deliveryCount;
    if (attempt >= maxDeliver) {
      eventsHandled.inc({ service, event: message.subject, outcome: "dead" });
      return deadLetter(options, message, `failed ${attempt} times: ${errorText(error)}`);
    }
    eventsHandled.inc({ service, event: message.subject, outcome: "retry" });
    options.log.warn("event handler failed; will retry", {
      error,
      attempt,
      subject: message.subject,
      seq: message.seq,
    });
    message.nak(redeliveryDelayMs(attempt, backoff));
    return;
  }
  await settle(options, message, delivery, started);
}

/** Acks what was handled (or dead-letters what never can be), with its metrics. */
async function settle(options: SettleOptions, message: JsMsg, delivery: Delivery, started: number) {
  const { service } = options;
  const type = delivery.event?.type ?? message.subject;
  try {
    if (delivery.outcome === "invalid") {
      eventsHandled.inc({ service, event: type, outcome: "dead" });
      return await deadLetter(options, message, delivery.reason);
    }
    message.ack();
    options.unsettled.delete(message.seq);
    eventsHandled.inc({ service, event: type, outcome: delivery.outcome });
  } finally {
    eventHandleDuration.observe({ service, event: type }, (performance.now() - started) / 1000);
  }
}

/**
 * Copies the message to the dead letters (once, see dead_letters.ts), has the service state what
 * giving up on it means (its handler's `onDeadLetter`, see given_up.ts), and terminates it. What
 * fails on the way is thrown, and the caller naks the message: it comes back, nothing is lost.
 */
async function deadLetter(options: SettleOptions, message: JsMsg, reason: string) {
  const { log } = options;
  const recorded = await sendToDeadLetters(options.nc, options.service, message, reason);
  const where = { subject: message.subject, stream: options.stream.name, seq: message.seq };
  if (recorded === "already") log.warn("dead letter recorded before; terminated again", where);
  else log.error("event sent to dead letters", { ...where, reason, recorded });
  await options.dispatcher.givenUp(message, reason);
  // Without a reason: nats-server 2.9 does not read "+TERM <reason>" and would redeliver the
  // message after the ack wait. The reason travels in the dead letter's headers.
  message.term();
  options.unsettled.delete(message.seq);
}

async function safely(options: SettleOptions, work: () => Promise<void>, message: JsMsg) {
  try {
    await work();
  } catch (error) {
    // Could not even dead-letter it (NATS away): let the server redeliver it later.
    options.log.error("event could not be handled", { error, subject: message.subject });
    message.nak(options.backoffMs[0]);
  }
}
