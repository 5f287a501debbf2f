/** Header names every hop understands, and a request's headers and body as sent. */
import { errors, headers, type MsgHdrs } from "@nats-io/nats-core";

/** The id that ties a request to the logs and events it causes. */
export const correlationHeader = "correlation-id";
/** Milliseconds the caller is still willing to wait, as sent; the receiver counts from arrival. */
export const budgetHeader = "deadline-budget-ms";

/**
 * The budget sent to a callee when the caller will wait `waitMs` for it: less by a margin, a
 * tenth of the wait, at least 20 ms and at most 250 ms. The callee's deadline then passes before
 * its caller's, at every hop, so the deepest hop times out first and its error travels back while
 * the callers still wait: the answer names the hop that failed ("catalog did not answer in
 * time") instead of the first one ("orders did not answer in time"; issue 17, class 10). The
 * margin is the time for that reply to come back, and for the callee's clock and event loop to lag.
 */
export function calleeBudgetMs(waitMs: number): number {
  const margin = Math.min(250, Math.max(20, waitMs / 10));
  return Math.max(1, Math.floor(waitMs - margin));
}

/**
 * A request's headers: the correlation id and the callee's budget (ms), in a fresh nats-core
 * `MsgHdrs` that trace context may be added to. Set straight into its map rather than through
 * `append`, which checks and canonicalises the name char by char and looks it up first, about a
 * microsecond a call for two names that are ours and valid. Values are checked as `append` does:
 * throws nats-core's InvalidArgumentError for a line break, and trims.
 */
export function requestHeaders(correlationId: string, budgetMs: number): MsgHdrs {
  const h = headers();
  // nats-core's MsgHdrsImpl keeps the names and values in this map, which MsgHdrs does not show.
  const map = (h as unknown as { headers: Map<string, string[]> }).headers;
  if (/[\r\n]/.test(correlationId)) {
    throw errors.InvalidArgumentError.format("header", "values cannot contain \\r or \\n");
  }
  map.set(correlationHeader, [correlationId.trim()]);
  map.set(budgetHeader, [String(budgetMs)]);
  return h;
}

const encoder = new TextEncoder();

/**
 * A request's headers and body encoded into one buffer, as nats-core would send them (its
 * `toString()` of the headers, then the body's UTF-8): each is a view of it, the headers' through
 * their own `encode()`, which nats-core's publish calls. One allocation instead of two: every
 * Uint8Array costs about half a microsecond here, its memory outside the JS heap. Headers or a
 * body that are not all ASCII are encoded apart, as nats-core does. Do not change `h` after.
 */
export function encodedRequest(h: MsgHdrs, body: string): { headers: MsgHdrs; data: Uint8Array } {
  const head = h.toString();
  const bytes = encoder.encode(head + body);
  // Not all ASCII when the bytes outnumber the UTF-16 units: where the headers end is unknown.
  if (bytes.length !== head.length + body.length) {
    return { headers: h, data: encoder.encode(body) };
  }
  const headerBytes = bytes.subarray(0, head.length);
  // Assigned, not defined: Object.defineProperty costs 0.2 µs more here.
  (h as MsgHdrs & { encode(): Uint8Array }).encode = () => headerBytes;
  return { headers: h, data: bytes.subarray(head.length) };
}
