/**
 * Every service's event handlers, as its `handlers.ts` exports them (the `on(...)` lists its
 * `service.ts` wires), by service name: what the saga-flow and consumer-contract tests and the
 * consumer contracts' generator read. tests/saga_flow_test.ts checks this list against the
 * registry: every service whose module reacts to a stream is here, and nothing else.
 */
import type { EventHandler } from "../shared/events/mod.ts";
import { catalogHandlers } from "../services/catalog/handlers.ts";
import { historyHandlers } from "../services/history/handlers.ts";
import { notificationsHandlers } from "../services/notifications/handlers.ts";
import { ordersHandlers } from "../services/orders/handlers.ts";
import { paymentsHandlers } from "../services/payments/handlers.ts";

/** The handlers of each reacting service, all streams together. */
export const serviceHandlers: Readonly<Record<string, readonly EventHandler[]>> = Object
  .fromEntries(
    Object.entries({
      catalog: catalogHandlers,
      history: historyHandlers,
      notifications: notificationsHandlers,
      orders: ordersHandlers,
      // The starting balance changes no handler's events or reads.
      payments: paymentsHandlers(0),
    }).map(([service, byStream]) => [service, Object.values(byStream).flat()]),
  );
