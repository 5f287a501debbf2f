import { ServiceError } from "../errors/mod.ts";

/**
 * The SQLSTATE of a failed query (`23505` unique_violation, `25P02` in_failed_sql_transaction...),
 * from either driver: drizzle passes the driver's error on as the `cause` of its own.
 */
export function sqlState(error: unknown): string | undefined {
  let e = error;
  for (let depth = 0; depth < 4 && typeof e === "object" && e !== null; depth++) {
    const { code, cause } = e as { code?: unknown; cause?: unknown };
    if (typeof code === "string") return code;
    e = cause;
  }
  return undefined;
}

/**
 * The typed refusal of a statement the request's own values made the database refuse, or
 * undefined for any other failure (ours: `internal`). SQLSTATE class 22, data exception (a
 * number out of range 22003, a NUL in text 22021, a date out of range 22008...), is `invalid`
 * (400); 23514, a check constraint, is `unprocessable` (422). The contracts refuse such values
 * first, naming the field; this is the net behind them, so input never surfaces as a 500.
 */
export function refusedInput(error: unknown): ServiceError | undefined {
  const state = sqlState(error);
  if (state?.startsWith("22")) {
    return new ServiceError("invalid", "a value of the request is outside what can be stored", {
      sqlState: state,
    });
  }
  if (state === "23514") {
    return new ServiceError("unprocessable", "the request breaks a rule of the stored data", {
      sqlState: state,
    });
  }
  return undefined;
}
