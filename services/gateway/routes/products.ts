/**
 * GET /products, GET /products/:id. When catalog is down or its breaker open, both answer the
 * last good snapshot, marked `x-stale: true` with its `Age` in seconds.
 */
import { type Context, Hono } from "hono";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import { type catalogApi, uuid } from "../../../shared/contracts/mod.ts";
import { type CatalogSnapshot, freshOrStale } from "../catalog_snapshot.ts";
import { callOptions, type GatewayEnv } from "../env.ts";
import { problem } from "../problem.ts";

type Catalog = RpcClient<typeof catalogApi.endpoints>;

const productId = uuid;

export function productRoutes(catalog: Catalog, snapshot: CatalogSnapshot) {
  return new Hono<GatewayEnv>()
    .get("/", async (c) => {
      const answer = await freshOrStale(
        () => catalog.listProducts({}, callOptions(c)),
        (list) => snapshot.rememberList(list.items),
        () => {
          const list = snapshot.list();
          return list && { value: { items: list.items }, at: list.at };
        },
      );
      markStale(c, answer.staleSince);
      return c.json(answer.value);
    })
    .get("/:id", async (c) => {
      // An id that cannot exist is simply not found, not a malformed request. The parsed id is
      // lower case, as the snapshot's keys are.
      const parsed = productId.safeParse(c.req.param("id"));
      if (!parsed.success) return problem(c, 404, "no such product");
      const id = parsed.data;
      const answer = await freshOrStale(
        () => catalog.getProduct({ productId: id }, callOptions(c)),
        (product) => snapshot.rememberProduct(product),
        () => {
          const known = snapshot.product(id);
          return known && { value: known.product, at: known.at };
        },
      );
      markStale(c, answer.staleSince);
      return c.json(answer.value);
    });
}

function markStale(c: Context<GatewayEnv>, since: number | undefined) {
  if (since === undefined) return;
  c.header("x-stale", "true");
  c.header("Age", String(Math.floor((Date.now() - since) / 1000)));
  c.var.log.warn("served a stale catalog snapshot", { path: c.req.path });
}
