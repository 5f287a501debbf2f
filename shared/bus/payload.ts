/**
 * What a NATS message may weigh. The server refuses a message whose data plus encoded headers
 * exceed its `max_payload` (nats-core's publish throws "max_payload size exceeded"), so a reply
 * or an event is measured where it is made, and refused there with an error that says so.
 */
import type { NatsConnection } from "@nats-io/nats-core";

/** nats-server's default max_payload, 1 MiB (its MAX_PAYLOAD_SIZE), until the server says. */
export const defaultMaxPayload = 1024 * 1024;

/** The max_payload of the server `nc` is connected to (its INFO), else the default. */
export function maxPayloadOf(nc: Pick<NatsConnection, "info">): number {
  return nc.info?.max_payload ?? defaultMaxPayload;
}

const encoder = new TextEncoder();

/**
 * The bytes of a message when they exceed `maxPayload`, else undefined: its data in UTF-8 plus
 * its headers as nats-core writes them (`NATS/1.0`, `\r\n<name>: <value>` each, then `\r\n\r\n`:
 * MsgHdrsImpl.toString). A string of n UTF-16 units takes at most 3n bytes in UTF-8, so data
 * that plainly fits is not encoded just to be measured.
 */
export function oversize(
  maxPayload: number,
  data: string,
  headers: Record<string, string> = {},
): number | undefined {
  let headerBytes = 0;
  const entries = Object.entries(headers);
  if (entries.length > 0) {
    let text = "NATS/1.0";
    for (const [name, value] of entries) text += `\r\n${name}: ${value}`;
    headerBytes = encoder.encode(`${text}\r\n\r\n`).length;
  }
  if (headerBytes + data.length * 3 <= maxPayload) return undefined;
  const bytes = headerBytes + encoder.encode(data).length;
  return bytes > maxPayload ? bytes : undefined;
}

/** A message that the server would refuse: what it was, how big, and the limit it broke. */
export class PayloadTooLarge extends Error {
  override name = "PayloadTooLarge";
  constructor(readonly what: string, readonly bytes: number, readonly maxPayload: number) {
    super(`${what} is ${bytes} bytes, over the NATS server's max_payload of ${maxPayload}`);
  }
}
