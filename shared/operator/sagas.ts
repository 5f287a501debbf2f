/**
 * The order saga, for an operator: the sagas in flight and those whose compensation failed
 * (orders answers them on `ops.orders.sagas.*`), and the retry of a failed compensation once its
 * cause is fixed. A retry re-drives the dead letters that hold the saga's events, of the service
 * that gave up on them, through that service's redrive (its inbox decides what is applied), each
 * audited with the operator's reason. Orders hears the compensation's own event when it succeeds
 * and clears the failure; nothing here decides what a saga needs.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import type * as z from "zod";
import { rpcClient } from "../bus/mod.ts";
import { operationsApi, type RequestOf, uuid } from "../contracts/mod.ts";
import {
  sagaOperationsApi,
  type SagaOperationsEndpoints,
  type SagaRetryReport,
} from "../contracts/saga_operations.ts";
import { ServiceError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { recordAction, requireReason } from "./audit.ts";
import { type DeadLetter, listDeadLetters } from "./dead_letters.ts";
import { readEntry } from "./stream_reader.ts";

/** The most dead letters of one service a retry reads to find a saga's: the scan's bound. */
export const maxScannedLetters = 10_000;

const sagas = (nc: NatsConnection) => rpcClient(nc, sagaOperationsApi, { timeoutMs: 10_000 });

/**
 * A page of the sagas in flight, oldest first, with the counts over all of them (the contract's
 * `listSagas`). Throws what the RPC throws (`invalid` for a request outside the contract).
 */
export function listSagas(nc: NatsConnection, request: SagasRequest = {}) {
  // The contract fills in what is left out (its defaults) when the call checks the request.
  return sagas(nc).listSagas(request as RequestOf<SagaOperationsEndpoints["listSagas"]>);
}

/** What `listSagas` takes: the contract's request, every field optional (defaults apply). */
export type SagasRequest = z.input<SagaOperationsEndpoints["listSagas"]["request"]>;

/** A page of the sagas whose compensation failed, longest failed first (`listFailedSagas`). */
export function listFailedSagas(
  nc: NatsConnection,
  request: RequestOf<SagaOperationsEndpoints["listFailedSagas"]> = {},
) {
  return sagas(nc).listFailedSagas(request);
}

/**
 * Retries the failed compensations of order `orderId`: re-drives every dead letter, of each
 * service that failed one, whose event names the order (`data.orderId`), audited with `reason`.
 * Resolves to what was re-driven, or to `nothingToRetry` saying why nothing was. Throws
 * `invalid` for an order id that is not a UUID or no reason (before anything is asked),
 * `not_found` when the order has no failed compensation, and what NATS or a service throws.
 */
export async function retryFailedSaga(
  nc: NatsConnection,
  options: { orderId: string; reason: string; actor: string; log: Logger },
): Promise<SagaRetryReport> {
  const id = uuid.safeParse(options.orderId);
  if (!id.success) {
    throw new ServiceError("invalid", `orderId: not a UUID: ${options.orderId.slice(0, 64)}`, {
      field: "orderId",
    });
  }
  const reason = requireReason(options.reason);
  const orderId = id.data;
  const [saga] = (await sagas(nc).listFailedSagas({ orderId, limit: 1 })).items;
  if (!saga) throw new ServiceError("not_found", `order ${orderId} has no failed compensation`);
  const report: SagaRetryReport = { orderId, compensations: saga.compensations, redriven: [] };
  const services = [...new Set(saga.compensations.map((c) => c.service))];
  for (const service of services) {
    const letters = await lettersOfOrder(nc, service, orderId);
    if (letters.length === 0) continue;
    const failed = saga.compensations.filter((c) => c.service === service)
      .map((c) => c.compensation).join(" and ");
    const { results } = await rpcClient(nc, operationsApi(service), { timeoutMs: 60_000 })
      .redriveDeadLetters({ sequences: letters.map((letter) => letter.seq) });
    for (const result of results) {
      const letter = letters.find((l) => l.seq === result.seq)!;
      await recordAction(nc, options.log, {
        actor: options.actor,
        action: "deadletter.redrive",
        target: `order ${orderId} ${failed}: DEADLETTERS#${result.seq} ` +
          `(${service}: ${letter.stream}#${letter.streamSeq})`,
        reason,
        outcome: result.error ? `${result.outcome}: ${result.error}` : result.outcome,
      });
      report.redriven.push({ ...result, service, subject: letter.subject });
    }
  }
  if (report.redriven.length === 0) {
    report.nothingToRetry = `no dead letter of ${services.join(" or ")} names order ${orderId}: ` +
      "it was re-driven or discarded already, or the failure is not settled yet; " +
      "orders clears the failure when the compensation's event arrives";
  }
  return report;
}

/**
 * The dead letters of `service` whose event names `orderId`, in sequence order: at most
 * `maxScannedLetters` of its letters are read; a letter without a copy is read from its original.
 */
async function lettersOfOrder(
  nc: NatsConnection,
  service: string,
  orderId: string,
): Promise<DeadLetter[]> {
  const letters = await listDeadLetters(nc, { service, limit: maxScannedLetters });
  const found: DeadLetter[] = [];
  for (const letter of letters) {
    const event = letter.entry.event ??
      (letter.byReference
        ? (await readEntry(nc, letter.stream, letter.streamSeq).catch(() => null))?.event
        : undefined);
    const data = event?.data as { orderId?: unknown } | undefined;
    if (data?.orderId === orderId) found.push(letter);
  }
  return found;
}
