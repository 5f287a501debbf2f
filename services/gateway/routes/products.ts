/**
 * GET /products, GET /products/:id. When catalog is down or its breaker open, both answer the
 * last good snapshot, marked `x-stale: true` with its `Age` in seconds; catalog is then given
 * only part of the budget, so that the snapshot comes in time (catalog_snapshot.ts). A product
 * the snapshot lacks is 503, not 404: it may have been added since.
 */
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import { catalogApi, uuid } from "../../../shared/contracts/mod.ts";
import { type CatalogSnapshot, freshOrStale } from "../catalog_snapshot.ts";
import { callOptions, type GatewayEnv } from "../context.ts";
import { idParams, operation, routeGroup } from "../openapi.ts";
import { problem } from "../problem.ts";

type Catalog = RpcClient<typeof catalogApi.endpoints>;

const productId = uuid;

const listProducts = createRoute({
  method: "get",
  path: "/",
  ...operation({
    summary: "The catalog (from the last snapshot, with x-stale, when catalog is down)",
    ok: { status: 200, schema: catalogApi.endpoints.listProducts.reply },
  }),
});

const getProduct = createRoute({
  method: "get",
  path: "/{id}",
  request: { params: idParams },
  ...operation({
    summary: "One product",
    ok: { status: 200, schema: catalogApi.endpoints.getProduct.reply },
    errors: [404],
  }),
});

export function productRoutes(catalog: Catalog, snapshot: CatalogSnapshot) {
  const routes = routeGroup();
  routes.openapi(listProducts, async (c) => {
    const answer = await freshOrStale(
      (deadline) => catalog.listProducts({}, { ...callOptions(c), deadline }),
      (list) => snapshot.rememberList(list.items),
      () => {
        const list = snapshot.list();
        return list && { value: { items: list.items }, at: list.at };
      },
      c.var.deadline,
    );
    markStale(c, answer.staleSince);
    return c.json(answer.value, 200);
  });
  routes.openapi(getProduct, async (c) => {
    // An id that cannot exist is simply not found, not a malformed request. The parsed id is
    // lower case, as the snapshot's keys are.
    const parsed = productId.safeParse(c.req.param("id"));
    if (!parsed.success) return problem(c, 404, "no such product");
    const id = parsed.data;
    const answer = await freshOrStale(
      (deadline) => catalog.getProduct({ productId: id }, { ...callOptions(c), deadline }),
      (product) => snapshot.rememberProduct(product),
      () => {
        const known = snapshot.product(id);
        return known && { value: known.product, at: known.at };
      },
      c.var.deadline,
    );
    markStale(c, answer.staleSince);
    return c.json(answer.value, 200);
  });
  return routes;
}

function markStale(c: Context<GatewayEnv>, since: number | undefined) {
  if (since === undefined) return;
  c.header("x-stale", "true");
  c.header("Age", String(Math.floor((Date.now() - since) / 1000)));
  c.var.log.warn("served a stale catalog snapshot", { path: c.req.path });
}
