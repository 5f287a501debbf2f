/**
 * The services the gateway routes to, named by their contracts: /ready asks each whether it is
 * ready, and the operator's admin routes take these names for a replay or a rebuild (each
 * answers the operator's endpoints). The gateway's own dependencies, beside the typed client it
 * has for each (service.ts); the registry, which lists every service, is for tools only.
 */
import {
  catalogApi,
  historyApi,
  notificationsApi,
  ordersApi,
  paymentsApi,
  usersApi,
} from "../../shared/contracts/mod.ts";

/** The names of the services the gateway calls. */
export const downstreamServices: readonly string[] = [
  usersApi,
  catalogApi,
  ordersApi,
  paymentsApi,
  notificationsApi,
  historyApi,
].map((api) => api.name);
