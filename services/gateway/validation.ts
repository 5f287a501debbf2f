/** Request validation with the contracts' zod schemas; a bad request is a 400 naming each field. */
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { z } from "zod";
import { problem } from "./problem.ts";

export function validated<T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return zValidator(target, schema, (result, c) => {
    if (result.success) return;
    const errors = result.error.issues.map((issue) => ({
      path: issue.path.join("."),
      message: issue.message,
    }));
    return problem(c, 400, "the request is not valid", { kind: "invalid", errors });
  });
}
