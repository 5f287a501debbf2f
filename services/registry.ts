/**
 * Every service of the stack, in one list: the dev runner starts these, the test stack and the
 * migrations harness read them, compose.yaml and Postgres's init.sql are made from them, and the
 * build, deploy, boundary check and ops CLI know the services from here. Adding a service is
 * its folder (`services/<name>/service.ts` exporting a `ServiceModule`, `main.ts` booting it)
 * plus one entry below; then `deno task generate` writes compose.yaml and infra/postgres/init.sql
 * (its role and schema, when it has migrations) from this list (tests/compose_test.ts and
 * infra/postgres_init_test.ts say so when forgotten). Its NATS permissions are made from its
 * module's `bus` declaration wherever a server is configured (dev runner, test harness,
 * `deno task credentials`).
 *
 * Only tools import this file: a service that did would reach every other service's code
 * (infra/check_boundaries.ts refuses it).
 */
import type { ServiceModule } from "../shared/runtime/mod.ts";
import { catalog } from "./catalog/service.ts";
import { gateway } from "./gateway/service.ts";
import { history } from "./history/service.ts";
import { notifications } from "./notifications/service.ts";
import { orders } from "./orders/service.ts";
import { payments } from "./payments/service.ts";
import { users } from "./users/service.ts";

/** The services, in the order the dev runner starts them; the gateway, which calls all, last. */
export const registry: readonly ServiceModule[] = [
  users,
  catalog,
  orders,
  payments,
  notifications,
  history,
  gateway,
];

/** The services' names, in the registry's order. */
export const serviceNames: readonly string[] = registry.map((service) => service.name);

/** The service named `name`, or undefined when none is. */
export function serviceNamed(
  name: string,
  services: readonly ServiceModule[] = registry,
): ServiceModule | undefined {
  return services.find((service) => service.name === name);
}
