/** Header names every hop understands. */
export const correlationHeader = "correlation-id";
/** Milliseconds the caller is still willing to wait, as sent; the receiver counts from arrival. */
export const budgetHeader = "deadline-budget-ms";
