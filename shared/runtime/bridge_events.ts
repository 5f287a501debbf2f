/**
 * A durable consumer's message, delivered by the bridge over HTTP, applied by the service's own
 * dispatcher (shared/events/dispatch.ts: the same handlers, inbox and outbox as its consumer and
 * its operator's replays): the status tells the bridge to ack (2xx), to dead-letter at once (422,
 * no valid event) or to retry later (anything else). When the bridge gives up on a message, the
 * handler's `onDeadLetter` runs here (shared/events/given_up.ts) before it records the letter.
 */
import type { MsgHdrs } from "@nats-io/nats-core";
import { bridgeHeaders, decodeNatsHeaders, invalidMessageKind } from "../bridge/mod.ts";
import { errorText } from "../errors/mod.ts";
import type { Delivery, Dispatcher, StreamMessage } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import { eventHandleDuration, eventsHandled } from "../telemetry/mod.ts";
import { problem } from "./bridge_problem.ts";

/** The service whose dispatchers the bridge's messages go through, by stream name. */
export interface BridgedStreams {
  service: string;
  dispatchers: Map<string, Dispatcher>;
  log: Logger;
}

const decoder = new TextDecoder();

/**
 * Applies the message a `/_bridge/events/<stream>` request carries: 200 `{ outcome }` when it was
 * applied, a duplicate or ignored (not this service's to handle); 422 problem+json kind `invalid`
 * when it is no valid event; 500 kind `internal` when the handler failed (nothing was applied,
 * the bridge retries); 404 for a stream the service does not react to, 400 for a request that
 * lacks the message's subject.
 */
export async function deliverOverHttp(
  { service, dispatchers, log }: BridgedStreams,
  stream: string,
  request: Request,
  body: Uint8Array,
): Promise<Response> {
  const dispatcher = dispatchers.get(stream);
  if (!dispatcher) return notReacting(service, stream, dispatchers);
  const message = messageOf(stream, request, body);
  if (message instanceof Response) return message;
  const attempt = Number(request.headers.get(bridgeHeaders.deliveryCount)) || 1;
  const started = performance.now();
  let delivery: Delivery;
  try {
    delivery = await dispatcher.deliver(message);
  } catch (error) {
    eventsHandled.inc({ service, event: message.subject, outcome: "retry" });
    log.warn("event handler failed; the bridge will retry", {
      error,
      attempt,
      subject: message.subject,
      seq: message.info?.streamSequence,
    });
    return problem(500, "internal", `the handler failed: ${errorText(error)}`);
  }
  const type = delivery.event?.type ?? message.subject;
  eventHandleDuration.observe({ service, event: type }, (performance.now() - started) / 1000);
  if (delivery.outcome === "invalid") {
    eventsHandled.inc({ service, event: type, outcome: "dead" });
    return problem(422, invalidMessageKind, delivery.reason);
  }
  eventsHandled.inc({ service, event: type, outcome: delivery.outcome });
  return Response.json({ outcome: delivery.outcome, eventId: delivery.event.id });
}

/**
 * Runs the handler's `onDeadLetter` for the message a `/_bridge/given-up/<stream>` request
 * carries, with the `bridge-reason` header as the reason: 200 `{ outcome: "given_up" }` once it
 * committed (or when the message has no handler here, or is no valid event: nothing to state);
 * 500 kind `internal` when it failed (the bridge tries again later).
 */
export async function giveUpOverHttp(
  { service, dispatchers, log }: BridgedStreams,
  stream: string,
  request: Request,
  body: Uint8Array,
): Promise<Response> {
  const dispatcher = dispatchers.get(stream);
  if (!dispatcher) return notReacting(service, stream, dispatchers);
  const message = messageOf(stream, request, body);
  if (message instanceof Response) return message;
  const reason = request.headers.get(bridgeHeaders.reason) || "given up on by the bridge";
  const where = { subject: message.subject, stream, seq: message.info?.streamSequence, reason };
  try {
    await dispatcher.givenUp(message, reason);
  } catch (error) {
    log.error("could not state an event given up on; the bridge will retry", { ...where, error });
    return problem(500, "internal", `onDeadLetter failed: ${errorText(error)}`);
  }
  log.error("event given up on by the bridge; a dead letter", where);
  return Response.json({ outcome: "given_up" });
}

/** The stream message a bridge request carries, or the 400 answer to a request that lacks it. */
function messageOf(stream: string, request: Request, body: Uint8Array): StreamMessage | Response {
  const subject = request.headers.get(bridgeHeaders.subject);
  if (!subject) return problem(400, "invalid", `no ${bridgeHeaders.subject} header`);
  let headers: MsgHdrs | undefined;
  try {
    headers = decodeNatsHeaders(request.headers.get(bridgeHeaders.natsHeaders));
  } catch (error) {
    return problem(400, "invalid", (error as Error).message);
  }
  const sequence = Number(request.headers.get(bridgeHeaders.streamSequence));
  return {
    subject,
    data: body,
    headers,
    json: <T>() => JSON.parse(decoder.decode(body)) as T,
    // Recorded in the inbox beside the event: where a durable made again resumes.
    info: Number.isSafeInteger(sequence) && sequence > 0
      ? { stream, streamSequence: sequence }
      : undefined,
  };
}

function notReacting(service: string, stream: string, dispatchers: Map<string, Dispatcher>) {
  const known = [...dispatchers.keys()];
  return problem(
    404,
    "not_found",
    `${service} does not react to ${stream}` +
      (known.length ? `; it reads ${known.join(", ")}` : "; it reacts to no stream"),
  );
}
