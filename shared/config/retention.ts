/**
 * How long a service keeps the rows of its outbox and inbox, and how often it purges them: every
 * service reads these (they are part of `baseConfig`). docs/retention.md gives the figures.
 */
import * as z from "zod";

const day = 24 * 60 * 60 * 1000;
const ms = (fallback: number) =>
  z.coerce.number().int("must be a whole number of ms").positive("must be positive")
    .default(fallback);

/** The retention variables, with their defaults. */
export const retentionVariables = {
  /** How long a published outbox row is kept, in ms (7 days): the stream holds the event. */
  OUTBOX_RETENTION_MS: ms(7 * day),
  /**
   * How long an inbox row is kept, in ms (35 days). At least what the streams and dead letters
   * can bring back (shared/events/inbox_retention.ts): a service refuses to start otherwise.
   */
  INBOX_RETENTION_MS: ms(35 * day),
  /** Wait between the end of one purge and the next, in ms (1 hour). */
  RETENTION_PURGE_EVERY_MS: ms(60 * 60 * 1000),
  /** Rows deleted per statement by a purge (1000): each statement holds its locks briefly. */
  RETENTION_PURGE_BATCH: z.coerce.number().int("must be a whole number").min(
    1,
    "must be at least 1",
  )
    .max(100_000, "must be at most 100000").default(1000),
};

/** The retention variables, alone (`parseConfig` reads them where no service config is at hand). */
export const retentionConfig = z.object(retentionVariables);

/** A service's retention settings, parsed. */
export type RetentionSettings = z.infer<typeof retentionConfig>;
