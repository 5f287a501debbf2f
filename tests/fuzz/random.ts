/**
 * The fuzzer's randomness: one seeded PRNG shared by the generators and the driver, so that a seed
 * replays a whole run. `FUZZ_SEED=<n>` picks the seed (1917 when unset).
 */

/** The seed of this run, from `FUZZ_SEED`. */
export const seed = Number(Deno.env.get("FUZZ_SEED") ?? 1917);

/** mulberry32: small, fast, and the same sequence for the same seed. */
function prng(state: number) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/** The next number in [0, 1) of the seeded sequence. */
export const random = prng(seed);
/** One of `items`, chosen by the seeded sequence. */
export const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
