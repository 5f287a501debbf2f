/**
 * NATS headers carried over HTTP in one header, `bridge-nats-headers`: base64url (no padding) of
 * the JSON `{ "<name>": ["<value>", ...] }`. One header rather than one each: HTTP folds and
 * lower-cases names, NATS keeps them as sent (`Nats-Msg-Id`, `traceparent`).
 */
import { headers, type MsgHdrs } from "@nats-io/nats-core";
import { base64url } from "jose";
import * as z from "zod";

const carried = z.record(z.string().min(1), z.array(z.string()));

/** Headers as carried: each name with its values, in order. */
export type CarriedHeaders = z.infer<typeof carried>;

/**
 * The `bridge-nats-headers` value for `natsHeaders` (a NATS message's, or a plain record), or
 * undefined when there are none.
 */
export function encodeNatsHeaders(
  natsHeaders: MsgHdrs | CarriedHeaders | undefined,
): string | undefined {
  if (!natsHeaders) return undefined;
  const record: CarriedHeaders = {};
  if (isMsgHdrs(natsHeaders)) {
    for (const name of natsHeaders.keys()) record[name] = natsHeaders.values(name);
  } else Object.assign(record, natsHeaders);
  if (Object.keys(record).length === 0) return undefined;
  return base64url.encode(JSON.stringify(record));
}

/**
 * The headers a `bridge-nats-headers` value carries, as a record; `{}` for null or empty.
 * Throws a TypeError when the value is no such encoding.
 */
export function decodeNatsHeaderRecord(value: string | null | undefined): CarriedHeaders {
  if (!value) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(base64url.decode(value)));
  } catch {
    throw new TypeError("bridge-nats-headers is not base64url JSON");
  }
  const record = carried.safeParse(parsed);
  if (!record.success) throw new TypeError("bridge-nats-headers is not a record of string lists");
  return record.data;
}

/**
 * The NATS headers a `bridge-nats-headers` value carries (undefined for none), ready to publish
 * or respond with. Throws a TypeError when the value is no such encoding, or a name or value
 * NATS cannot carry.
 */
export function decodeNatsHeaders(value: string | null | undefined): MsgHdrs | undefined {
  const record = decodeNatsHeaderRecord(value);
  const names = Object.keys(record);
  if (names.length === 0) return undefined;
  const h = headers();
  for (const name of names) {
    for (const v of record[name]) {
      if (/[\r\n]/.test(v)) throw new TypeError(`bridge-nats-headers: ${name} holds a line break`);
      h.append(name, v);
    }
  }
  return h;
}

function isMsgHdrs(value: MsgHdrs | CarriedHeaders): value is MsgHdrs {
  return typeof (value as MsgHdrs).keys === "function" &&
    typeof (value as MsgHdrs).values === "function";
}
