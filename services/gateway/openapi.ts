/**
 * What the OpenAPI document shares between routes: its info, the bearer scheme, the problem
 * schema and the error responses every route has. Each route declares itself beside its
 * handler (`createRoute`, or `jsonRoute` for one with a JSON body, in routes/*.ts and app.ts,
 * with the same zod schemas that validate its request); the document (served at /openapi.json)
 * is generated from those declarations.
 */
import { createRoute, OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
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
  ok: { status: number; schema?: z.ZodType; description?: string };
  /** The statuses the route answers besides the common ones. */
  errors?: number[];
}

/**
 * The summary, security and responses of a route, to spread into its `createRoute`: every route
 * has the body limit (413), the rate limit (429), and 503 and 504 from downstream. A route with a
 * JSON body is a `jsonRoute`, which adds its own.
 */
export function operation(op: Operation) {
  return documented(op, false);
}

/**
 * `operation`'s document; with `body`, also 400 (the body is not valid), 408 (it does not arrive
 * within the request's budget) and 415 (it is not JSON).
 */
function documented(op: Operation, body: boolean) {
  const statuses = [
    ...new Set([
      ...(op.errors ?? []),
      ...(op.auth ? [401] : []),
      ...(body ? [400, 408, 415] : []),
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
 * A route that takes a JSON body, declared once: `body` is the zod schema that validates it (and
 * documents it), `request` its other parts (params, query, headers), and the rest its
 * `Operation`. The route takes JSON only (`jsonOnly`: another media type, or none, is 415 before
 * validation) and is documented with 400, 408 and 415. Pass the result to `routes.openapi`.
 */
export function jsonRoute<
  P extends string,
  B extends z.ZodType,
  R extends Omit<NonNullable<RouteConfig["request"]>, "body"> = Record<never, never>,
>(route: JsonRoute<P, B, R>) {
  const { method, path, body, request, ...op } = route;
  return createRoute({
    method,
    path,
    middleware: jsonOnly,
    request: { ...request, body: jsonBody(body) } as R & { body: ReturnType<typeof jsonBody<B>> },
    ...documented(op, true),
  });
}

/** What `jsonRoute` takes: method, path, the body's schema, other request parts, operation. */
export interface JsonRoute<P extends string, B extends z.ZodType, R> extends Operation {
  method: "post" | "put" | "patch" | "delete";
  path: P;
  body: B;
  request?: R;
}

/** A required JSON body validated by `schema`, documented as zod writes it. */
function jsonBody<T extends z.ZodType>(schema: T) {
  // Documented as zod writes it (the generator's conversion drops patterns and integer bounds);
  // validated by `schema` itself: metadata changes no rule.
  const described = schema.meta(
    z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>,
  ) as T;
  return { required: true, content: { "application/json": { schema: described } } };
}

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
