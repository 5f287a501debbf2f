/**
 * The baseline for the gateway benchmark: a bare Hono app that answers GET /products/:id with
 * one NATS request to catalog, and nothing else (no validation, auth, limits, breakers).
 */
import { connect } from "@nats-io/transport-node";
import { Hono } from "hono";

const nc = await connect({ servers: Deno.env.get("NATS_URL")! });
const app = new Hono().get("/products/:id", async (c) => {
  const reply = await nc.request(
    "rpc.catalog.getProduct",
    JSON.stringify({ productId: c.req.param("id") }),
    { timeout: 3000 },
  );
  return c.body(reply.string(), 200, { "content-type": "application/json" });
});
Deno.serve({ port: Number(Deno.env.get("HTTP_PORT")), onListen: () => {} }, app.fetch);
