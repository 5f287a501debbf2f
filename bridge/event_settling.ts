/**
 * What becomes of one durable message the bridge delivers, by the service's HTTP answer: 2xx
 * acked; 422 (no valid event) given up on at once; anything else, no answer or a timeout nak'd with
 * the kit's backoff, and given up on at the kit's `maxDeliver`. Giving up is the service's
 * `onDeadLetter` (`POST /_bridge/given-up/<stream>`), then, once it answered 2xx, the dead letter
 * under the service's name and a term; otherwise the message is nak'd and comes back. Never lost.
 */
import type { JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { bridgeHeaders, bridgePaths, encodeNatsHeaders } from "../shared/bridge/mod.ts";
import { errorText } from "../shared/errors/mod.ts";
import { deliveryDefaults, redeliveryDelayMs, sendToDeadLetters } from "../shared/events/mod.ts";
import type { Logger } from "../shared/log/mod.ts";
import { bridgeEventDeliveries } from "./metrics.ts";
import type { ServiceAnswer, ServiceClient } from "./service_client.ts";

/** Who gets the messages of one durable, and by which figures they are retried. */
export interface SettlingOptions {
  nc: NatsConnection;
  /** The carried service: its durable, its dead letters' consumer name. */
  service: string;
  stream: string;
  client: ServiceClient;
  log: Logger;
  /** How long a delivery may take, in ms. */
  timeoutMs: number;
  /** Stream sequences held and not yet settled: an ack or a term takes the message out. */
  unsettled: Set<number>;
  /** The delivery (from 1) at which a failing message is given up on (the kit's, 5). */
  maxDeliver?: number;
  /** Waits before redeliveries, in ms (the kit's). */
  backoffMs?: readonly number[];
}

/** Delivers `message` and settles it; rejects only when not even a nak could be sent. */
export async function deliverAndSettle(options: SettlingOptions, message: JsMsg): Promise<void> {
  const { service, stream, log } = options;
  const maxDeliver = options.maxDeliver ?? deliveryDefaults.maxDeliver;
  const attempt = message.info.deliveryCount;
  const where = { stream, subject: message.subject, seq: message.seq, attempt };
  const count = (outcome: string) => bridgeEventDeliveries.inc({ service, stream, outcome });
  const retry = (why: string) => {
    count("retry");
    log.warn("event delivery failed; will retry", { ...where, why });
    message.nak(redeliveryDelayMs(attempt, options.backoffMs));
  };

  let failure: string;
  try {
    const answer = await send(options, bridgePaths.events(stream), message);
    if (answer.status >= 200 && answer.status < 300) {
      message.ack();
      options.unsettled.delete(message.seq);
      return count("acked");
    }
    if (answer.status === 422) {
      return await giveUp(options, message, `invalid: ${problemDetail(answer)}`, count, retry);
    }
    failure = `answered HTTP ${answer.status}`;
  } catch (error) {
    failure = deliveryError(error, options.timeoutMs);
  }
  if (attempt < maxDeliver) return retry(failure);
  await giveUp(options, message, `failed ${attempt} times: ${failure}`, count, retry);
}

/** The service states it gives up (onDeadLetter); then the dead letter, then the term. */
async function giveUp(
  options: SettlingOptions,
  message: JsMsg,
  reason: string,
  count: (outcome: string) => void,
  retry: (why: string) => void,
): Promise<void> {
  const { service, stream, log } = options;
  const where = { stream, subject: message.subject, seq: message.seq };
  let answer: ServiceAnswer;
  try {
    answer = await send(options, bridgePaths.givenUp(stream), message, reason);
  } catch (error) {
    count("given_up_failed");
    return retry(`giving up failed: ${deliveryError(error, options.timeoutMs)}`);
  }
  if (answer.status < 200 || answer.status >= 300) {
    count("given_up_failed");
    return retry(`giving up failed: answered HTTP ${answer.status}`);
  }
  try {
    const recorded = await sendToDeadLetters(options.nc, service, message, reason);
    log.error("event sent to dead letters", { ...where, reason, recorded });
  } catch (error) {
    count("given_up_failed");
    return retry(`the dead letter could not be written: ${errorText(error)}`);
  }
  // Without a reason: nats-server 2.9 does not read "+TERM <reason>" (see shared/events/settle.ts).
  message.term();
  options.unsettled.delete(message.seq);
  count("dead");
}

function send(options: SettlingOptions, path: string, message: JsMsg, reason?: string) {
  const carried = encodeNatsHeaders(message.headers);
  return options.client(path, message.data, {
    ...(carried ? { [bridgeHeaders.natsHeaders]: carried } : {}),
    [bridgeHeaders.subject]: message.subject,
    [bridgeHeaders.streamSequence]: String(message.seq),
    [bridgeHeaders.deliveryCount]: String(message.info.deliveryCount),
    ...(reason ? { [bridgeHeaders.reason]: oneLine(reason) } : {}),
  }, options.timeoutMs);
}

function deliveryError(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return `no answer within ${timeoutMs} ms`;
  }
  return `could not be reached (${errorText(error)})`;
}

/** The `detail` (else `title`) of a problem+json answer, one line, at most 500 characters. */
function problemDetail(answer: ServiceAnswer): string {
  try {
    const problem = JSON.parse(new TextDecoder().decode(answer.body));
    const text = problem?.detail ?? problem?.title;
    if (typeof text === "string" && text) return oneLine(text).slice(0, 500);
  } catch {
    // Not JSON: said below.
  }
  return "the service refused the message as no valid event";
}

/** One line of printable ASCII (an HTTP header value), at most 1000 characters. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").replace(/[^\x20-\x7e]/g, "?").slice(0, 1000);
}
