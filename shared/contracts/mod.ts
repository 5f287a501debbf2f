import * as catalog from "./catalog.ts";
import { type EventDefinition, isEventDefinition } from "./envelope.ts";
import * as operations from "./operations.ts";
import * as orders from "./orders.ts";
import * as payments from "./payments.ts";
import * as users from "./users.ts";

export * from "./rpc.ts";
export * from "./limits.ts";
export * from "./fields.ts";
export * from "./envelope.ts";
export * from "./users.ts";
export * from "./catalog.ts";
export * from "./orders.ts";
export * from "./payments.ts";
export * from "./notifications.ts";
export * from "./history.ts";
export * from "./operations.ts";
export * from "./replay_report.ts";
export * from "./paging.ts";

/**
 * Every event of the platform, found among the exports of the contract modules that define
 * events (not a hand list: an event added to one is in it): contract tests walk this list, so
 * none escapes them, and consumers find each event's ordering key here.
 */
export const allEvents: readonly EventDefinition[] = [users, catalog, orders, payments, operations]
  .flatMap((module) => Object.values(module).filter(isEventDefinition));
