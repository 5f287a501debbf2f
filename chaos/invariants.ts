/**
 * The invariants of a chaos run, read straight from each service's own tables once everything has
 * drained. Unlike tests/harness/invariants.ts (which asserts and stops at the first failure),
 * this lists every violation, with the order, user, product or service it is about, so a report
 * shows all that broke at once.
 */
import { isNull } from "drizzle-orm";
import { products, reservationLines, reservations } from "../services/catalog/db/schema.ts";
import { notifications } from "../services/notifications/db/schema.ts";
import { orderHistory } from "../services/history/db/schema.ts";
import { failedCompensations, orderLines, orders } from "../services/orders/db/schema.ts";
import { charges, deposits, refunds, wallets } from "../services/payments/db/schema.ts";
import type { Database } from "../shared/db/client.ts";
import type { OutboxTable } from "../shared/outbox/mod.ts";
import type { OrderKind } from "./load.ts";

/** One broken invariant: which, about what (an order id, user id, sku or service), and how. */
export interface Violation {
  invariant: string;
  subject: string;
  detail: string;
}

/** An order as the checks read it. */
export interface OrderRow {
  id: string;
  userId: string;
  status: string;
  reason: string | null;
  totalCents: number;
}

/** What the checks read: each service's database, and what the run knows from outside. */
export interface CheckInputs {
  orders: Database;
  payments: Database;
  catalog: Database;
  notifications: Database;
  history: Database;
  /** The services that publish, each with its database and outbox table. */
  outboxes: { service: string; db: Database; table: OutboxTable }[];
  /** Each product's stock before the first order, by product id. */
  initialStock: Map<string, number>;
  /** The kind of each order the load placed (an order the load never heard of has none). */
  kinds: Map<string, OrderKind>;
}

/** Every violation found, and the orders read (for the report's counts). */
export async function checkInvariants(
  input: CheckInputs,
): Promise<{ violations: Violation[]; orders: OrderRow[] }> {
  const violations: Violation[] = [];
  const broke = (invariant: string, subject: string, detail: string) =>
    violations.push({ invariant, subject, detail });

  const orderRows: OrderRow[] = await input.orders.select({
    id: orders.id,
    userId: orders.userId,
    status: orders.status,
    reason: orders.reason,
    totalCents: orders.totalCents,
  }).from(orders);
  const lines = await input.orders.select().from(orderLines);
  const failed = await input.orders.select().from(failedCompensations);
  const [chargeRows, refundRows, walletRows, depositRows] = await Promise.all([
    input.payments.select().from(charges),
    input.payments.select().from(refunds),
    input.payments.select().from(wallets),
    input.payments.select().from(deposits),
  ]);
  const [productRows, reservationRows, reservedLines] = await Promise.all([
    input.catalog.select().from(products),
    input.catalog.select().from(reservations),
    input.catalog.select().from(reservationLines),
  ]);
  const notificationRows = await input.notifications.select().from(notifications);
  const historyRows = await input.history.select().from(orderHistory);

  const known = new Set(orderRows.map((order) => order.id));
  const chargeOf = new Map(chargeRows.map((row) => [row.orderId, row]));
  const refundOf = new Map(refundRows.map((row) => [row.orderId, row]));
  const live = new Set(
    reservationRows.filter((row) => row.status === "reserved").map((row) => row.orderId),
  );
  const notified = groupBy(notificationRows, (row) => row.orderId);
  const historyOf = new Map(historyRows.map((row) => [row.orderId, row]));
  const linesOf = groupBy(lines, (line) => line.orderId);
  const reservedOf = groupBy(reservedLines, (line) => line.orderId);

  for (const order of orderRows) {
    const charge = chargeOf.get(order.id);
    const refund = refundOf.get(order.id);
    if (order.status === "pending") broke("every order terminal", order.id, "still pending");
    if (order.status === "confirmed") {
      if (!charge) broke("one charge per confirmed order", order.id, "confirmed, never charged");
      else if (charge.amountCents !== order.totalCents) {
        broke(
          "one charge per confirmed order",
          order.id,
          `charged ${charge.amountCents} of ${order.totalCents}`,
        );
      }
      if (refund) {
        broke("no refund of a confirmed order", order.id, `refunded ${refund.amountCents}`);
      }
      if (!live.has(order.id)) {
        broke("stock reserved per confirmed order", order.id, "no live reservation");
      } else if (!sameLines(linesOf.get(order.id) ?? [], reservedOf.get(order.id) ?? [])) {
        broke(
          "stock reserved per confirmed order",
          order.id,
          "reserved lines differ from the order's",
        );
      }
      const kind = input.kinds.get(order.id);
      if (kind === "decline" || kind === "out_of_stock") {
        broke("outcome fits the order", order.id, `a ${kind} order was confirmed`);
      }
    }
    if (order.status === "cancelled") {
      if (charge && !refund) {
        broke(
          "one refund per charged cancellation",
          order.id,
          `cancelled (${order.reason}), charged ${charge.amountCents}, never refunded`,
        );
      }
      if (charge && refund && refund.amountCents !== charge.amountCents) {
        broke(
          "one refund per charged cancellation",
          order.id,
          `refunded ${refund.amountCents} of ${charge.amountCents}`,
        );
      }
      if (live.has(order.id)) {
        broke(
          "stock released per cancellation",
          order.id,
          `cancelled (${order.reason}), still reserved`,
        );
      }
    }
    checkNotifications(order, notified.get(order.id) ?? [], broke);
    const history = historyOf.get(order.id);
    if (!history) broke("history equals orders", order.id, "not in the history");
    else if (
      history.status !== order.status || history.reason !== order.reason ||
      history.totalCents !== order.totalCents || history.userId !== order.userId
    ) {
      broke(
        "history equals orders",
        order.id,
        `history says ${history.status}/${history.reason}, orders ${order.status}/${order.reason}`,
      );
    }
  }
  for (
    const row of [
      ...chargeRows,
      ...refundRows,
      ...reservationRows,
      ...notificationRows,
      ...historyRows,
    ]
  ) {
    if (!known.has(row.orderId)) {
      broke("nothing for an order that does not exist", row.orderId, "no such order");
    }
  }
  // Retried at the drain: a row left means money or stock kept, though visibly, or a state no
  // retry can end (the compensation had nothing left to do): the detail says which.
  for (const row of failed) {
    const done = row.compensation === "refund"
      ? !chargeOf.has(row.orderId) || refundOf.has(row.orderId)
      : !live.has(row.orderId);
    broke(
      "no compensation left failed",
      row.orderId,
      `${row.compensation} failed in ${row.service}: ${row.error}` +
        (done ? ` (yet nothing is left to ${row.compensation}: the state is stale)` : ""),
    );
  }

  // Money: per wallet, what came in less what was charged plus what came back is the balance.
  const sumBy = <T>(rows: T[], key: (row: T) => string, amount: (row: T) => number) => {
    const sums = new Map<string, number>();
    for (const row of rows) sums.set(key(row), (sums.get(key(row)) ?? 0) + amount(row));
    return sums;
  };
  const depositedBy = sumBy(depositRows, (row) => row.userId, (row) => row.amountCents);
  const chargedBy = sumBy(chargeRows, (row) => row.userId, (row) => row.amountCents);
  const refundedBy = sumBy(refundRows, (row) => row.userId, (row) => row.amountCents);
  for (const wallet of walletRows) {
    const expected = (depositedBy.get(wallet.userId) ?? 0) - (chargedBy.get(wallet.userId) ?? 0) +
      (refundedBy.get(wallet.userId) ?? 0);
    if (expected !== wallet.balanceCents) {
      broke(
        "money conserved",
        wallet.userId,
        `balance ${wallet.balanceCents}, deposits - charges + refunds = ${expected}`,
      );
    }
  }

  // Stock: what a product had at the start is what it has plus what live reservations hold.
  const heldBy = sumBy(
    reservedLines.filter((line) => live.has(line.orderId)),
    (line) => line.productId,
    (line) => line.quantity,
  );
  for (const product of productRows) {
    const initial = input.initialStock.get(product.id);
    const held = heldBy.get(product.id) ?? 0;
    if (product.stock < 0) broke("stock conserved", product.sku, `stock ${product.stock}`);
    if (initial !== undefined && initial !== product.stock + held) {
      broke(
        "stock conserved",
        product.sku,
        `started with ${initial}, has ${product.stock} + ${held} reserved`,
      );
    }
  }

  for (const { service, db, table } of input.outboxes) {
    const left = await db.select({ id: table.id, parkedAt: table.parkedAt }).from(table)
      .where(isNull(table.publishedAt));
    for (const row of left) {
      broke("outboxes empty", service, `${row.id} ${row.parkedAt ? "parked" : "unpublished"}`);
    }
  }
  return { violations, orders: orderRows };
}

/** A terminal order has exactly one notification, of its kind, and none of the other. */
function checkNotifications(
  order: OrderRow,
  sent: { kind: string }[],
  broke: (invariant: string, subject: string, detail: string) => void,
) {
  if (order.status === "pending") return;
  const kind = order.status === "confirmed" ? "order_confirmed" : "order_cancelled";
  const kinds = sent.map((row) => row.kind).sort().join(",");
  if (kinds !== kind) {
    broke(
      "one notification per terminal order",
      order.id,
      `${order.status}, notified: ${kinds || "none"}`,
    );
  }
}

function sameLines(
  ordered: { productId: string; quantity: number }[],
  reserved: { productId: string; quantity: number }[],
): boolean {
  const key = (lines: { productId: string; quantity: number }[]) => {
    const sums = new Map<string, number>();
    for (const line of lines) {
      sums.set(line.productId, (sums.get(line.productId) ?? 0) + line.quantity);
    }
    return JSON.stringify([...sums].sort());
  };
  return key(ordered) === key(reserved);
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}
