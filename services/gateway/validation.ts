/**
 * Request validation with the contracts' zod schemas, as each route declares them (its
 * `createRoute` request): a bad request is a 400 naming each field. A JSON body must come as
 * JSON: any other media type, or none, is 415.
 */
import type { Hook } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "./context.ts";
import { problem } from "./problem.ts";

/**
 * Whether a Content-Type header names JSON: `application/json` or `application/<x>+json`,
 * parameters aside, in any case. The same rule as Hono's validator (hono/validator's
 * `jsonRegex`), so that what passes here is exactly what it parses.
 */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(";")[0].trim().toLowerCase() ?? "";
  return /^application\/([\w.-]+\+)?json$/.test(mediaType);
}

/**
 * The answer to a request its route's zod schemas refuse (the `defaultHook` of every route
 * group): 400 problem+json, `kind: invalid`, and `errors` as `{ path: "items.0.quantity",
 * message }`, one per zod issue.
 */
// deno-lint-ignore no-explicit-any
export const invalidRequest: Hook<any, GatewayEnv, any, any> = (result, c) => {
  if (result.success) return;
  const errors = result.error.issues.map((issue) => ({
    path: issue.path.join("."),
    message: issue.message,
  }));
  return problem(c, 400, "the request is not valid", { kind: "invalid", errors });
};

/**
 * The media type check of a route with a JSON body, before its body is validated: Hono's
 * validator validates `{}` in place of a body of another media type, so a route whose fields
 * are all optional would run on nothing (a form-encoded redrive re-drove every dead letter).
 * Answers 415 `unsupported_media_type`; a JSON media type goes on as `application/json`.
 * `jsonRoute` (openapi.ts) puts it on every route that takes a JSON body.
 */
export const jsonOnly: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const contentType = c.req.header("content-type");
  if (isJsonMediaType(contentType)) {
    // @hono/zod-openapi's own media type gate, after this, is stricter than this rule (it
    // refuses `application/json;` and `application/vnd.v2+json`): it is shown plain JSON.
    if (contentType !== "application/json") {
      const headers = new Headers(c.req.raw.headers);
      headers.set("content-type", "application/json");
      c.req.raw = new Request(c.req.raw, { headers });
    }
    return await next();
  }
  return problem(
    c,
    415,
    contentType === undefined
      ? "send the body as JSON, with content-type: application/json"
      : "this route takes application/json only",
    { kind: "unsupported_media_type" },
  );
};
