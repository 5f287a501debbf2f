/** Header names every hop understands. */
export const correlationHeader = "correlation-id";
/** Milliseconds the caller is still willing to wait, as sent; the receiver counts from arrival. */
export const budgetHeader = "deadline-budget-ms";

/**
 * The budget sent to a callee when the caller will wait `waitMs` for it: less by a margin, a
 * tenth of the wait, at least 20 ms and at most 250 ms. The callee's deadline then passes before
 * its caller's, at every hop, so the deepest hop times out first and its error travels back while
 * the callers still wait: the answer names the hop that failed ("catalog did not answer in
 * time") instead of the first one ("orders did not answer in time"; issue 17, class 10). The
 * margin is the time for that reply to come back, and for the callee's clock and event loop to lag.
 */
export function calleeBudgetMs(waitMs: number): number {
  const margin = Math.min(250, Math.max(20, waitMs / 10));
  return Math.max(1, Math.floor(waitMs - margin));
}
