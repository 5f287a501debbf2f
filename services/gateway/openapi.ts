/**
 * The gateway's OpenAPI document, built from the same zod schemas that validate requests and
 * replies (the contracts, and the bodies the routes declare). A test checks that every route
 * of the app is in it.
 */
import { z } from "zod";
import {
  catalogApi,
  historyApi,
  notificationsApi,
  ordersApi,
  pageQuery,
  paymentsApi,
  replayReport,
  usersApi,
} from "../../shared/contracts/mod.ts";
import {
  deadLettersQuery,
  discardBody,
  eventsQuery,
  rebuildBody,
  redriveBody,
  replayBody,
} from "./routes/admin.ts";
import { problemKinds } from "./problem.ts";
import { placeOrderBody } from "./routes/orders.ts";
import { depositBody } from "./routes/wallet.ts";

const problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  correlationId: z.string(),
  /** What went wrong, for a program: see problem.ts and the README's error table. */
  kind: z.enum(problemKinds),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** The service a downstream failure arose in ("catalog", or "nats" when NATS is down). */
  origin: z.string().optional(),
});

type PathParam = string | { description: string; schema: Record<string, unknown> };

interface Operation {
  summary: string;
  auth?: boolean;
  params?: Record<string, PathParam>;
  query?: z.ZodObject;
  body?: z.ZodType;
  headers?: Record<string, string>;
  ok: { status: number; schema?: z.ZodType; description?: string };
  errors?: number[];
}

const idParam = { id: "the resource's id (a UUID)" };

const seqParam = {
  seq: { description: "the dead letter's sequence in DEADLETTERS", schema: { type: "integer" } },
};
const admin = { auth: true, errors: [400, 403] };

export const operations: Record<string, Record<string, Operation>> = {
  "/auth/register": {
    post: {
      summary: "Register a user",
      body: usersApi.endpoints.register.request,
      ok: { status: 201, schema: usersApi.endpoints.register.reply },
      errors: [400, 409],
    },
  },
  "/auth/login": {
    post: {
      summary: "Log in: an access token (HS256 JWT) and its expiry",
      body: usersApi.endpoints.login.request,
      ok: { status: 200, schema: usersApi.endpoints.login.reply },
      errors: [400, 401],
    },
  },
  "/auth/me": {
    get: {
      summary: "The logged-in user's profile",
      auth: true,
      ok: { status: 200, schema: usersApi.endpoints.getProfile.reply },
    },
  },
  "/products": {
    get: {
      summary: "The catalog (from the last snapshot, with x-stale, when catalog is down)",
      ok: { status: 200, schema: catalogApi.endpoints.listProducts.reply },
    },
  },
  "/products/{id}": {
    get: {
      summary: "One product",
      params: idParam,
      ok: { status: 200, schema: catalogApi.endpoints.getProduct.reply },
      errors: [404],
    },
  },
  "/orders": {
    post: {
      summary: "Place an order: pending at once; the saga confirms or cancels it",
      auth: true,
      body: placeOrderBody,
      headers: { "Idempotency-Key": "the same key and items answer the same order" },
      ok: { status: 201, schema: ordersApi.endpoints.placeOrder.reply },
      errors: [400, 422],
    },
    get: {
      summary: "The user's orders, newest first, a page at a time (see `next`)",
      auth: true,
      query: pageQuery,
      ok: { status: 200, schema: ordersApi.endpoints.listOrders.reply },
      errors: [400],
    },
  },
  "/orders/{id}": {
    get: {
      summary: "One of the user's orders",
      auth: true,
      params: idParam,
      ok: { status: 200, schema: ordersApi.endpoints.getOrder.reply },
      errors: [404],
    },
  },
  "/orders/{id}/timeline": {
    get: {
      summary: "Every saga step of the order, in order",
      auth: true,
      params: idParam,
      ok: { status: 200, schema: ordersApi.endpoints.getTimeline.reply },
      errors: [404],
    },
  },
  "/wallet": {
    get: {
      summary: "The user's balance",
      auth: true,
      ok: { status: 200, schema: paymentsApi.endpoints.getWallet.reply },
    },
  },
  "/wallet/deposits": {
    post: {
      summary: "Deposit money",
      auth: true,
      body: depositBody,
      ok: { status: 201, schema: paymentsApi.endpoints.deposit.reply },
      errors: [400],
    },
  },
  "/notifications": {
    get: {
      summary: "The user's notifications, newest first, a page at a time (see `next`)",
      auth: true,
      query: pageQuery,
      ok: { status: 200, schema: notificationsApi.endpoints.listNotifications.reply },
      errors: [400],
    },
  },
  "/history": {
    get: {
      summary:
        "The user's order history, a page at a time, with totals over all of it (a read model built from events)",
      auth: true,
      query: pageQuery,
      ok: { status: 200, schema: historyApi.endpoints.orderHistory.reply },
      errors: [400],
    },
  },
  "/health": { get: { summary: "200 while the process lives", ok: { status: 200 } } },
  "/ready": {
    get: {
      summary: "200 when NATS and every routed service answer; 503 naming what is missing",
      ok: { status: 200 },
      errors: [503],
    },
  },
  "/metrics": { get: { summary: "Prometheus text", ok: { status: 200 } } },
  "/metrics/services": {
    get: {
      summary: "Every service instance's requests, errors and time, gathered over NATS",
      ok: { status: 200 },
    },
  },
  "/admin/services": {
    get: {
      ...admin,
      summary: "Admin: every running service instance, its version, endpoints and stats",
      ok: { status: 200 },
    },
  },
  "/admin/events": {
    get: {
      ...admin,
      summary: "Admin: a stream's messages, by subject, sequence or time",
      query: eventsQuery,
      ok: { status: 200 },
      errors: [400, 403, 404],
    },
  },
  "/admin/events/{stream}/{seq}": {
    get: {
      ...admin,
      summary: "Admin: one message of a stream, with its headers",
      params: {
        stream: { description: "a stream's name, such as ORDERS", schema: { type: "string" } },
        seq: { description: "the message's sequence", schema: { type: "integer" } },
      },
      ok: { status: 200 },
      errors: [403, 404],
    },
  },
  "/admin/replay": {
    post: {
      ...admin,
      summary: "Admin: replay a range of a stream to one service's handlers (or a dry run)",
      body: replayBody,
      ok: { status: 200, schema: replayReport },
      errors: [400, 403, 404],
    },
  },
  "/admin/rebuild": {
    post: {
      ...admin,
      summary: "Admin: empty a service's read model and replay its streams from the start",
      body: rebuildBody,
      ok: { status: 200 },
      errors: [400, 403, 404, 422],
    },
  },
  "/admin/deadletters": {
    get: {
      ...admin,
      summary: "Admin: the dead letters, of every service or one, a page at a time (see `next`)",
      query: deadLettersQuery,
      ok: { status: 200 },
    },
  },
  "/admin/deadletters/{seq}": {
    get: {
      ...admin,
      summary: "Admin: one dead letter, with why and where from",
      params: seqParam,
      ok: { status: 200 },
      errors: [403, 404],
    },
  },
  "/admin/deadletters/redrive": {
    post: {
      ...admin,
      summary: "Admin: re-drive dead letters ({sequences: [...]} or {all: true}; {} is a 400) " +
        "to the services that gave up",
      body: redriveBody,
      ok: { status: 200 },
      errors: [400, 403],
    },
  },
  "/admin/deadletters/{seq}/discard": {
    post: {
      ...admin,
      summary: "Admin: discard a dead letter, with a reason (audited)",
      params: seqParam,
      body: discardBody,
      ok: { status: 200 },
      errors: [400, 403, 404],
    },
  },
  "/openapi.json": { get: { summary: "This document", ok: { status: 200 } } },
  "/docs": { get: { summary: "This document, readable", ok: { status: 200 } } },
};

const json = (schema: z.ZodType, io: "input" | "output") => ({
  "application/json": { schema: z.toJSONSchema(schema, { io, unrepresentable: "any" }) },
});

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(operations)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(methods)) {
      const parameters = [
        ...Object.entries(op.params ?? {}).map(([name, param]) => ({
          name,
          in: "path",
          required: true,
          description: typeof param === "string" ? param : param.description,
          schema: typeof param === "string" ? { type: "string", format: "uuid" } : param.schema,
        })),
        ...Object.entries(op.query?.shape ?? {}).map(([name, schema]) => ({
          name,
          in: "query",
          required: !(schema as z.ZodType).safeParse(undefined).success,
          schema: z.toJSONSchema(schema as z.ZodType, { io: "input", unrepresentable: "any" }),
        })),
        ...Object.entries(op.headers ?? {}).map(([name, description]) => ({
          name,
          in: "header",
          required: false,
          description,
          schema: { type: "string", maxLength: 200 },
        })),
      ];
      const responses: Record<string, unknown> = {
        [op.ok.status]: {
          description: op.ok.description ?? "OK",
          ...(op.ok.schema ? { content: json(op.ok.schema, "output") } : {}),
        },
      };
      // Every route has the body limit (413); a route with a JSON body takes JSON only (415)
      // and answers 408 when the body does not arrive within the request's budget.
      const errorStatuses = [
        ...new Set([
          ...(op.errors ?? []),
          ...(op.auth ? [401] : []),
          ...(op.body ? [400, 408, 415] : []),
          413,
          429,
          503,
          504,
        ]),
      ].sort();
      for (const status of errorStatuses) {
        responses[status] = {
          description: "problem",
          content: { "application/problem+json": { schema: z.toJSONSchema(problem) } },
        };
      }
      paths[path][method] = {
        summary: op.summary,
        ...(op.auth ? { security: [{ bearer: [] }] } : {}),
        ...(parameters.length ? { parameters } : {}),
        ...(op.body ? { requestBody: { required: true, content: json(op.body, "input") } } : {}),
        responses,
      };
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Gateway",
      version: "0.1.0",
      description: "The public HTTP API. Errors are application/problem+json (RFC 9457) with a " +
        "`kind`; 503 and 429 carry Retry-After. A request body is at most BODY_LIMIT_BYTES " +
        "(64 KiB unless configured; 413 past it), all in within the request's budget " +
        "(REQUEST_BUDGET_MS; 408 otherwise) and, on a route that takes one, JSON " +
        "(application/json; 415 otherwise). A path asked with a method it does not take is 405.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
    },
    paths,
  };
}
