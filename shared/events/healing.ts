/**
 * The consumer's fetch loop, and its healing: when the server says the durable or its stream is
 * gone (deleted, or a server back with an empty store), readiness fails and the durable is made
 * again from where this service really is, then consumption resumes.
 */
import { type ConsumerMessages, jetstream, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { StreamDefinition } from "../contracts/mod.ts";
import { errorText } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { eventConsumerRecreated } from "../telemetry/mod.ts";
import type { Durable } from "./durable.ts";

/** What is consumed, and where each message goes. */
export interface FetchLoopOptions {
  nc: NatsConnection;
  /** The consuming service: the durable's name. */
  service: string;
  stream: StreamDefinition;
  log: Logger;
  /** Made again when lost (see `durableConsumer`). */
  durable: Durable;
  /** Messages the client may hold unacknowledged at most. */
  inHandAtMost: number;
  /** Takes each message consumed; the loop waits for it before the next one. */
  take(message: JsMsg): Promise<void>;
}

/** A running fetch loop. */
export interface FetchLoop {
  /** Resolves while it can fetch; rejects saying why not (the durable is being made again). */
  ready(): Promise<void>;
  /** Stops fetching and waits for the loop to end (the messages taken may still be handled). */
  stop(): Promise<void>;
}

/** Waits before another try at recreating a lost consumer: 0.5 s, doubling, at most 10 s. */
const healDelayMs = (attempt: number) => Math.min(10_000, 500 * 2 ** attempt);

/**
 * A pull request's life on the server (ms): heartbeats come at half of it, so a consumer that
 * was lost while nothing arrived is noticed after two missed heartbeats (nats.js's rule).
 */
const pullExpiresMs = 10_000;

/**
 * Consumes the durable until stopped or the connection closes; whenever it cannot fetch (the
 * durable or stream lost, the consume ended), `ready()` rejects with the reason and the durable
 * is made again after 0.5 s, doubling to 10 s between tries.
 */
export function fetchAndHeal(options: FetchLoopOptions): FetchLoop {
  const { nc, service, stream, log, durable } = options;
  /** Why the consumer cannot fetch now, or null while it can. */
  let lost: string | null = null;
  let stopping = false;
  let messages: ConsumerMessages | null = null;
  let wakeHealer: (() => void) | null = null;

  const loop = (async () => {
    let attempt = 0;
    while (!stopping) {
      try {
        if (lost) {
          await durable.ensure();
          log.warn("event consumer recreated", { stream: stream.name });
          eventConsumerRecreated.inc({ service, stream: stream.name });
        }
        messages = await consume(options, () => lost !== null);
        lost = null;
        attempt = 0;
        for await (const message of messages) await options.take(message);
        if (stopping || nc.isClosed()) return;
        throw new Error("the consumer stopped");
      } catch (error) {
        if (stopping || nc.isClosed()) return;
        if (!lost) {
          log.error("event consumer cannot fetch; recreating it", { stream: stream.name, error });
        }
        lost = errorText(error);
        await new Promise<void>((resume) => {
          const timer = setTimeout(resume, healDelayMs(attempt++));
          wakeHealer = () => (clearTimeout(timer), resume());
        });
        wakeHealer = null;
      }
    }
  })();

  return {
    ready: () =>
      lost === null ? Promise.resolve() : Promise.reject(new Error(`cannot fetch: ${lost}`)),
    stop: async () => {
      stopping = true;
      wakeHealer?.();
      await messages?.close();
      await loop;
    },
  };
}

/**
 * The durable's messages, `inHandAtMost` in hand at most; ends with an error when the durable or
 * its stream is gone. Missed heartbeats are logged unless the consumer is known lost.
 */
async function consume(options: FetchLoopOptions, isLost: () => boolean) {
  const { stream, log } = options;
  const consumer = await jetstream(options.nc).consumers.get(stream.name, options.service);
  const opened = await consumer.consume({
    max_messages: options.inHandAtMost,
    expires: pullExpiresMs,
    abort_on_missing_resource: true,
  });
  (async () => {
    for await (const status of opened.status()) {
      if (status.type === "heartbeats_missed" && !isLost()) {
        log.warn("event consumer missed heartbeats", { stream: stream.name });
      }
    }
  })().catch(() => {});
  return opened;
}
