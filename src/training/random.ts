/**
 * A seeded random number generator (mulberry32): training must give the same classifier
 * from the same dataset and seed, and Math.random cannot be seeded.
 */
import { seededUniform } from '../runtime/featurizers/generatedWeights';

export type Random = () => number;

/** The generator the generated featurizer weights use, uniform in [0, 1). */
export function seededRandom(seed: number): Random {
  return seededUniform(seed);
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
