/**
 * The order sagas, for an admin (mounted under /admin, behind its token and role checks): the
 * sagas in flight and those whose compensation failed, a page at a time, and the retry of a
 * failed compensation once its cause is fixed. The same kit as `deno task ops sagas`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { NatsConnection } from "@nats-io/nats-core";
import {
  defaultPageSize,
  maxPageSize,
  operatorReason,
  pageCursor,
  uuid,
} from "../../../shared/contracts/mod.ts";
import {
  defaultStuckAfterSeconds,
  maxStuckAfterSeconds,
  sagaOperationsApi,
  sagaRetryReport,
} from "../../../shared/contracts/saga_operations.ts";
import type { Logger } from "../../../shared/log/mod.ts";
import { listFailedSagas, listSagas, retryFailedSaga } from "../../../shared/operator/sagas.ts";
import type { GatewayEnv } from "../context.ts";
import { jsonRoute, operation, pathParam, routeGroup } from "../openapi.ts";
import { problem } from "../problem.ts";

const limit = z.coerce.number().int().min(1).max(maxPageSize).optional().describe(
  `sagas per page, 1 to ${maxPageSize}; ${defaultPageSize} when absent`,
);
const cursor = pageCursor.optional().describe(
  "the `next` of the page before; absent for the first page",
);

/** GET /admin/sagas: the stuck threshold, only the stuck ones, and the page. */
export const sagasQuery = z.object({
  stuckAfterSeconds: z.coerce.number().int().min(1).max(maxStuckAfterSeconds).optional()
    .describe(
      `a saga in flight longer is stuck, 1 to ${maxStuckAfterSeconds} s; ` +
        `${defaultStuckAfterSeconds} when absent`,
    ),
  stuckOnly: z.enum(["true", "false"]).optional().describe("true: only the stuck ones"),
  limit,
  cursor,
});

/** GET /admin/sagas/failed: the page. */
export const failedSagasQuery = z.object({ limit, cursor });

/** POST /admin/sagas/:orderId/retry: why (3 to 500 characters, one line; audited). */
export const retryBody = z.object({ reason: operatorReason });

const admin = { auth: true, errors: [400, 403] };

const inFlight = createRoute({
  method: "get",
  path: "/",
  request: { query: sagasQuery },
  ...operation({
    ...admin,
    summary: "Admin: the order sagas in flight, oldest first, with the step each waits for, " +
      "its deadline and whether it is stuck; the counts over all of them",
    ok: { status: 200, schema: sagaOperationsApi.endpoints.listSagas.reply },
  }),
});

const failed = createRoute({
  method: "get",
  path: "/failed",
  request: { query: failedSagasQuery },
  ...operation({
    ...admin,
    summary: "Admin: the order sagas whose compensation (refund, release) failed for good",
    ok: { status: 200, schema: sagaOperationsApi.endpoints.listFailedSagas.reply },
  }),
});

const retry = jsonRoute({
  method: "post",
  path: "/{orderId}/retry",
  body: retryBody,
  request: { params: z.object({ orderId: pathParam("the order's id", { format: "uuid" }) }) },
  ...admin,
  errors: [400, 403, 404],
  summary: "Admin: retry an order's failed compensations once the cause is fixed: re-drive " +
    "the dead letters that hold them (audited with the reason); nothing to retry says why",
  ok: { status: 200, schema: sagaRetryReport },
});

/**
 * The saga routes, for `routes.route("/sagas", …)` inside the admin group (which checks the
 * token and role): `natsReachable` answers 503 at once without NATS, after the request's own
 * checks; `audit` names who acts, for the audit of a retry.
 */
export function adminSagaRoutes(
  nc: NatsConnection,
  natsReachable: () => Promise<void>,
  audit: (c: { var: GatewayEnv["Variables"] }) => { actor: string; log: Logger },
) {
  const routes = routeGroup();
  routes.openapi(inFlight, async (c) => {
    const { stuckOnly, ...query } = c.req.valid("query");
    await natsReachable();
    return c.json(await listSagas(nc, { ...query, stuckOnly: stuckOnly === "true" }), 200);
  });
  routes.openapi(failed, async (c) => {
    const query = c.req.valid("query");
    await natsReachable();
    return c.json(await listFailedSagas(nc, query), 200);
  });
  routes.openapi(retry, async (c) => {
    const orderId = uuid.safeParse(c.req.param("orderId"));
    if (!orderId.success) return problem(c, 404, "no such order: an order's id is a UUID");
    const { reason } = c.req.valid("json");
    await natsReachable();
    return c.json(
      await retryFailedSaga(nc, { orderId: orderId.data, reason, ...audit(c) }),
      200,
    );
  });
  return routes;
}
