/**
 * Request validation with the contracts' zod schemas; a bad request is a 400 naming each field.
 * A JSON body must come as JSON: any other media type, or none, is 415.
 */
import { zValidator } from "@hono/zod-validator";
import type { Context, ValidationTargets } from "hono";
import type { z } from "zod";
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
 * Validates `target` with `schema`. For `json`, the media type is checked first: Hono's
 * validator validates `{}` in place of a body of another media type, so a route whose fields
 * are all optional would run on nothing (a form-encoded redrive re-drove every dead letter).
 */
export function validated<T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  const validator = zValidator(target, schema, (result, c) => {
    if (result.success) return;
    const errors = result.error.issues.map((issue) => ({
      path: issue.path.join("."),
      message: issue.message,
    }));
    return problem(c, 400, "the request is not valid", { kind: "invalid", errors });
  });
  if (target !== "json") return validator;
  const jsonOnly = (c: Context, next: () => Promise<void>) => {
    const contentType = c.req.header("content-type");
    if (isJsonMediaType(contentType)) return validator(c as never, next);
    return Promise.resolve(problem(
      c,
      415,
      contentType === undefined
        ? "send the body as JSON, with content-type: application/json"
        : "this route takes application/json only",
      { kind: "unsupported_media_type" },
    ));
  };
  return jsonOnly as unknown as typeof validator;
}
