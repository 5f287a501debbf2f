/**
 * The services the gateway routes to, named by their contracts: /ready asks each whether it is
 * ready, and the operator's admin routes take these names for a replay or a rebuild (each
 * answers the operator's endpoints). The gateway's own dependencies, beside the typed client it
 * has for each (service.ts); the registry, which lists every service, is for tools only. The
 * same list is the gateway's declared `calls` (service.ts), from which its NATS permissions are
 * made: a service routed to but not listed here cannot be reached.
 */
import type { RpcService } from "../../shared/contracts/mod.ts";
import {
  catalogApi,
  historyApi,
  notificationsApi,
  ordersApi,
  paymentsApi,
  usersApi,
} from "../../shared/contracts/mod.ts";

/** The contracts of the services the gateway calls. */
export const downstreamContracts: readonly RpcService[] = [
  usersApi,
  catalogApi,
  ordersApi,
  paymentsApi,
  notificationsApi,
  historyApi,
];

/** The names of the services the gateway calls. */
export const downstreamServices: readonly string[] = downstreamContracts.map((api) => api.name);
