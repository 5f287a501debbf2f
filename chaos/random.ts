/**
 * A seeded random source (mulberry32), so a chaos run's choices can be played again: the report
 * prints the seed, and `--seed` takes it back.
 */

/** Random choices from one seed. */
export interface Random {
  seed: number;
  /** A whole number from 0 up to, not including, `n`. */
  below(n: number): number;
  /** True with probability `p` (0..1). */
  chance(p: number): boolean;
  /** `items`, shuffled in place (Fisher-Yates), and returned. */
  shuffle<T>(items: T[]): T[];
}

/** A random source from `seed` (any 32-bit integer). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n: number) => Math.floor(next() * n);
  return {
    seed,
    below,
    chance: (p) => next() < p,
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = below(i + 1);
        [items[i], items[j]] = [items[j], items[i]];
      }
      return items;
    },
  };
}
