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
