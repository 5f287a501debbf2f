/**
 * An endpoint's one way to change state and publish: `ctx.transaction(work)`. The runtime opens
 * the transaction, binds `publish` to the service's outbox, its name and the request, and tells
 * the relay at commit. A single statement that writes its own outbox row (one round trip instead
 * of BEGIN, statement, COMMIT) goes through the same face with `{ singleStatement: true }`.
 */
import type { Database } from "../db/client.ts";
import { transaction } from "../db/transaction.ts";
import type { ReplyOf, RequestOf, RpcEndpoints } from "../contracts/mod.ts";
import type { RpcContext, RpcHandlers } from "../bus/mod.ts";
import {
  type OutboxRelay,
  type OutboxTable,
  type Publish,
  publisher,
  type PublishWith,
  statementPublisher,
} from "../outbox/mod.ts";

/** What `ctx.transaction`'s work gets: the open transaction, and `publish` bound to it. */
export interface TransactionScope {
  /** The transaction: every write of the work goes through it. */
  tx: Database;
  /** Publishes an event in `tx`, caused by the request; it goes out once `tx` commits. */
  publish: Publish;
}

/** What the work of `ctx.transaction(work, { singleStatement: true })` gets. */
export interface StatementScope {
  /** The database itself, no transaction: each statement commits on its own. */
  tx: Database;
  /** Publishes an event through the statement that writes its outbox row (see `PublishWith`). */
  publish: PublishWith;
}

/**
 * Runs `work` in one transaction and commits it; the events it published are handed to the relay
 * at once. What `work` throws rolls everything back (nothing is published) and is thrown again.
 * With `{ singleStatement: true }`, `work` runs on the database itself and publishes through the
 * statement that writes the change and its outbox row; each row written goes to the relay as soon
 * as its statement resolved.
 */
export interface Transact {
  <T>(work: (scope: TransactionScope) => Promise<T>): Promise<T>;
  <T>(
    work: (scope: StatementScope) => Promise<T>,
    options: { singleStatement: true },
  ): Promise<T>;
}

/** What an endpoint gets besides its request: the RPC context and `transaction`. */
export interface EndpointContext extends RpcContext {
  /**
   * Runs work in a transaction whose `publish` states events as this service, with the request's
   * correlation id (causation: none); see `Transact`.
   */
  transaction: Transact;
}

/** One handler per endpoint of the contract `E`, as `RpcHandlers`, with an `EndpointContext`. */
export type EndpointHandlers<E extends RpcEndpoints> = {
  [K in keyof E]: (request: RequestOf<E[K]>, ctx: EndpointContext) => Promise<ReplyOf<E[K]>>;
};

/** Where a service's endpoints write and publish. */
export interface EndpointPublishing {
  /** Its name: the source of its events, named by the error of a service without an outbox. */
  service: string;
  db: Database;
  /** Its outbox; absent for a service that publishes nothing (then `publish` rejects). */
  outbox?: OutboxTable;
  /** Told of what each transaction or statement wrote to the outbox. */
  relay?: Pick<OutboxRelay, "committed" | "stored">;
}

/**
 * The transaction face of one request: `publish` states events as `publishing.service` with the
 * request's `correlationId`.
 */
export function transactionFor(publishing: EndpointPublishing, correlationId: string): Transact {
  const { service, db, outbox, relay } = publishing;
  const origin = { source: service, correlationId, causationId: null };

  async function inOneTransaction<T>(work: (scope: TransactionScope) => Promise<T>) {
    let committed: Database | undefined;
    const value = await transaction(db, (tx) => {
      committed = tx;
      return work({ tx, publish: publisher(tx, outbox, origin) });
    });
    relay?.committed(committed!);
    return value;
  }

  function inOneStatement<T>(work: (scope: StatementScope) => Promise<T>) {
    const publish = statementPublisher(outbox, origin, relay?.stored ?? (() => {}));
    return work({ tx: db, publish });
  }

  // The overloads of `Transact` tell which scope `work` takes.
  return ((work: (scope: never) => Promise<unknown>, options?: { singleStatement: true }) =>
    options?.singleStatement
      ? inOneStatement(work as (scope: StatementScope) => Promise<unknown>)
      : inOneTransaction(work as (scope: TransactionScope) => Promise<unknown>)) as Transact;
}

/**
 * `handlers` as the RPC server calls them: each request's context gains `transaction`, bound to
 * `publishing` and the request.
 */
export function withTransactions<E extends RpcEndpoints>(
  handlers: EndpointHandlers<E>,
  publishing: EndpointPublishing,
): RpcHandlers<E> {
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handle]) => [
      name,
      (request: unknown, ctx: RpcContext) =>
        (handle as (r: unknown, c: EndpointContext) => Promise<unknown>)(request, {
          ...ctx,
          transaction: transactionFor(publishing, ctx.correlationId),
        }),
    ]),
  ) as RpcHandlers<E>;
}
