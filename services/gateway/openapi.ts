/**
 * What the OpenAPI document shares between routes: its info, the bearer scheme, the problem
 * schema and the error responses every route has. Each route declares itself beside its
 * handler (`createRoute` in routes/*.ts and app.ts, with the same zod schemas that validate its
 * request); the document (served at /openapi.json) is generated from those declarations.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { GatewayEnv } from "./context.ts";
import { problemKinds } from "./problem.ts";
import { invalidRequest, jsonOnly } from "./validation.ts";

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

/** A group of routes (mounted with `app.route(prefix, group)`) whose bad requests are 400. */
export function routeGroup() {
  return new OpenAPIHono<GatewayEnv>({ defaultHook: invalidRequest });
}

/** What a route declaration says beyond its method, path and request. */
export interface Operation {
  summary: string;
  /** Needs a bearer token: documented with the bearer scheme and a 401. */
  auth?: boolean;
  /** Takes a JSON body: documented with 400, 408 and 415. */
  body?: boolean;
  ok: { status: number; schema?: z.ZodType; description?: string };
  /** The statuses the route answers besides the common ones. */
  errors?: number[];
}

/**
 * The summary, security and responses of a route, to spread into its `createRoute`: every route
 * has the body limit (413), the rate limit (429), and 503 and 504 from downstream; a route with
 * a JSON body takes JSON only (415) and answers 408 when the body does not arrive within the
 * request's budget.
 */
export function operation(op: Operation) {
  const statuses = [
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
  // Replies are written out by zod itself (not validated here): its JSON Schema keeps what
  // the generator's own conversion drops (patterns, additionalProperties, integer bounds).
  const output = (schema: z.ZodType) =>
    z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as Record<string, unknown>;
  const responses: Record<string, {
    description: string;
    content?: Record<string, { schema: Record<string, unknown> }>;
  }> = {
    [op.ok.status]: {
      description: op.ok.description ?? "OK",
      ...(op.ok.schema
        ? { content: { "application/json": { schema: output(op.ok.schema) } } }
        : {}),
    },
  };
  const problemSchema = output(problem);
  for (const status of statuses) {
    responses[status] = {
      description: "problem",
      content: { "application/problem+json": { schema: problemSchema } },
    };
  }
  return {
    summary: op.summary,
    ...(op.auth ? { security: [{ bearer: [] }] } : {}),
    responses,
  };
}

/**
 * A required JSON body validated by `schema`, for a route's `request.body`; its route also
 * takes `middleware: jsonOnly`, so that another media type is 415 before validation.
 */
export function jsonBody<T extends z.ZodType>(schema: T) {
  // Documented as zod writes it (the generator's conversion drops patterns and integer bounds);
  // validated by `schema` itself: metadata changes no rule.
  const documented = schema.meta(
    z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>,
  ) as T;
  return { required: true, content: { "application/json": { schema: documented } } };
}

export { jsonOnly };

/**
 * A path parameter that any string passes (the handler answers 404 for one that cannot exist,
 * as it did before there was a document), documented as `schema`.
 */
export function pathParam(description: string, schema: Record<string, unknown>) {
  return z.string().meta({ description, ...schema });
}

/** A resource's id in the path: documented as a UUID; any other string is the handler's 404. */
export const idParams = z.object({
  id: pathParam("the resource's id (a UUID)", { format: "uuid" }),
});

/** The OpenAPI document of `app`, generated from the routes it (and its groups) declare. */
export function openApiDocument(app: OpenAPIHono<GatewayEnv>): Record<string, unknown> {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  return app.getOpenAPI31Document({
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
  }) as unknown as Record<string, unknown>;
}
