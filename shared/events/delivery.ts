/** How a failing event is retried and when it is given up on: the kit's figures. */

/**
 * When a failing message is given up on and how long each redelivery waits, unless a service
 * says otherwise: dead letter at the 5th delivery, waits of 250, 1000, 5000, then 15000 ms
 * (the last repeats). The bridge settles the messages it carries by these same figures.
 */
export const deliveryDefaults = {
  maxDeliver: 5,
  backoffMs: [250, 1000, 5000, 15000],
} as const satisfies { maxDeliver: number; backoffMs: readonly number[] };

/** The wait before redelivering a message that failed its `attempt`th delivery (from 1), in ms. */
export function redeliveryDelayMs(
  attempt: number,
  backoffMs: readonly number[] = deliveryDefaults.backoffMs,
): number {
  return backoffMs[Math.min(Math.max(attempt, 1) - 1, backoffMs.length - 1)];
}
