/**
 * A stream message's payload as the dispatcher reads it: UTF-8 JSON text holding an object, or
 * the problem with it in the words a dead letter's reason uses.
 */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8");

/**
 * A message's payload as a JSON object (RFC 8259: UTF-8 text), or the problem with it, as a
 * dead letter's reason says it: `not an event: ` and then `an empty payload`,
 * `not JSON: <the parser's words, one line>` or `the JSON is an array, not an object`, with
 * `not UTF-8, ` before it when the bytes are not UTF-8 either. A JSON payload that is not
 * UTF-8 comes back with `utf8: false`, its invalid bytes read as U+FFFD, so the caller can
 * still name the fields that are wrong.
 */
export function readPayload(
  data: Uint8Array,
): { value: Record<string, unknown>; utf8: boolean } | { problem: string } {
  if (data.length === 0) return { problem: "not an event: an empty payload" };
  let text: string;
  let utf8 = true;
  try {
    text = strictUtf8.decode(data);
  } catch {
    utf8 = false;
    text = lenientUtf8.decode(data);
  }
  const notUtf8 = utf8 ? "" : "not UTF-8, ";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // The parser quotes the payload: keep it short and one line for the dead letter's header.
    const words = (error as Error).message.replace(/[\p{Cc}\u2028\u2029]/gu, " ");
    const clipped = words.length > 200 ? `${words.slice(0, 199)}…` : words;
    return { problem: `not an event: ${notUtf8}not JSON: ${clipped}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return { problem: `not an event: ${notUtf8}the JSON is ${kind}, not an object` };
  }
  return { value: value as Record<string, unknown>, utf8 };
}
