/** GET /products, GET /products/:id. */
import { Hono } from "hono";
import { z } from "zod";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import type { catalogApi } from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../env.ts";
import { problem } from "../problem.ts";

type Catalog = RpcClient<typeof catalogApi.endpoints>;

const productId = z.uuid();

export function productRoutes(catalog: Catalog) {
  return new Hono<GatewayEnv>()
    .get("/", async (c) => c.json(await catalog.listProducts({}, callOptions(c))))
    .get("/:id", async (c) => {
      const id = c.req.param("id");
      // An id that cannot exist is simply not found, not a malformed request.
      if (!productId.safeParse(id).success) return problem(c, 404, "no such product");
      return c.json(await catalog.getProduct({ productId: id }, callOptions(c)));
    });
}
