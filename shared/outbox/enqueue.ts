/**
 * Writing an event into the outbox, in the transaction of the change that caused it, and what
 * each transaction wrote, so a relay told of its commit publishes those rows from memory.
 */
import type { Database } from "../db/client.ts";
import { type Placeholders, type Statement, statement } from "../db/statement.ts";
import { awaitAtCommit } from "../db/transaction.ts";
import type { Envelope } from "../contracts/mod.ts";
import {
  context,
  injectTraceContext,
  inMessagingSpan,
  recordCarrier,
  SpanKind,
} from "../telemetry/mod.ts";
import { payloadOf, refuseOversizedEvent } from "./events.ts";
import type { OutboxTable } from "./table.ts";

/** An event as the outbox keeps it. */
export type OutboxRow = {
  id: string;
  subject: string;
  payload: string;
  headers: string | null;
};

/**
 * Writes an event into the outbox, inside the caller's transaction, with the trace context of
 * a publish span under the current one: the async hop links back to what caused it. Nothing
 * reads the insert's answer: in a `transaction` it goes with the commit (shared/db/transaction.ts), and
 * the publish span ends when that answer comes, an error if the insert failed.
 */
export function enqueueEvent(tx: Database, table: OutboxTable, event: Envelope): Promise<void> {
  // Refused now, not at the commit: the caller's work fails and nothing of it is committed.
  try {
    refuseOversizedEvent(event, table);
  } catch (error) {
    return Promise.reject(error);
  }
  return awaitAtCommit(tx, () =>
    withOutboxRow(event, async (row) => {
      await insertInto(table)(tx, row);
      // Only a row that went in: a caller that caught a failed insert may still commit.
      const rows = written.get(tx) ?? written.set(tx, []).get(tx)!;
      rows.push({ ...row, table });
    }));
}

/**
 * The outbox row of `event`, handed to `write` inside a publish span, for a statement that
 * writes the row itself together with the change that caused it. Once that statement has
 * committed, hand the row to the relay's `stored`.
 */
export function withOutboxRow<T>(event: Envelope, write: (row: OutboxRow) => Promise<T>) {
  const carrier = recordCarrier();
  return inMessagingSpan(
    { operation: "publish", destination: event.type, kind: SpanKind.PRODUCER, messageId: event.id },
    context.active(),
    () => {
      injectTraceContext(carrier);
      return write({
        id: event.id,
        subject: event.type,
        payload: payloadOf(event),
        headers: Object.keys(carrier.record).length ? JSON.stringify(carrier.record) : null,
      });
    },
  );
}

/** What each transaction wrote to an outbox: a relay told of its commit publishes it at once. */
const written = new WeakMap<Database, (OutboxRow & { table: OutboxTable })[]>();

/**
 * The rows `tx` wrote into `table` through `enqueueEvent`, or undefined when none; forgets
 * everything `tx` wrote, whatever the table. Call once `tx` has committed.
 */
export function takeWritten(tx: Database, table: OutboxTable): OutboxRow[] | undefined {
  const rows = written.get(tx)?.filter((row) => row.table === table);
  written.delete(tx);
  return rows;
}

const inserts = new WeakMap<OutboxTable, Statement<unknown>>();

function insertInto(table: OutboxTable) {
  if (!inserts.has(table)) {
    inserts.set(
      table,
      statement("outbox_insert", (db, p) => insertOutboxRow(db, table, p)),
    );
  }
  return inserts.get(table)!;
}

/** The insert of one outbox row; a statement that writes other rows too uses it as a CTE. */
export function insertOutboxRow(
  db: Database,
  table: OutboxTable,
  row: Placeholders,
) {
  return db.insert(table).values({
    id: row.id,
    subject: row.subject,
    payload: row.payload,
    headers: row.headers,
  });
}
