/** Every service's migrations, for tests that open any service's database. */
import type { Migration } from "../../db/client.ts";
import { migrations as catalog } from "../../db/catalog/migrations.ts";
import { migrations as history } from "../../db/history/migrations.ts";
import { migrations as notifications } from "../../db/notifications/migrations.ts";
import { migrations as orders } from "../../db/orders/migrations.ts";
import { migrations as payments } from "../../db/payments/migrations.ts";
import { migrations as users } from "../../db/users/migrations.ts";

export const migrationsOf: Record<string, Migration[]> = {
  users,
  catalog,
  orders,
  payments,
  notifications,
  history,
};
