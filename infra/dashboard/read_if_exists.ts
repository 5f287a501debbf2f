/**
 * A stream read for a page that may be open before the stack is up: a service declares its
 * stream when it starts (AUDIT is made by the first operator action), and until then its page
 * shows the stream empty rather than failing.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { ServiceError } from "../../shared/errors/mod.ts";
import { readStream, type StreamEntry, type StreamQuery } from "../../shared/operator/mod.ts";

/** `readStream(nc, query)`, ending at once when the stream does not exist; other errors thrown. */
export async function* readIfExists(
  nc: NatsConnection,
  query: StreamQuery,
): AsyncGenerator<StreamEntry> {
  try {
    yield* readStream(nc, query);
  } catch (error) {
    if (!(error instanceof ServiceError && error.kind === "not_found")) throw error;
  }
}
