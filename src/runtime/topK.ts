/** The k most likely classes of one score row, most likely first. */
import type { Prediction } from './types';

/**
 * Ties keep the lower class index first, so the same scores always give the same answer
 * (Array.prototype.sort is stable, and the candidates start in index order). NaN scores
 * rank last. `k` is clamped to the number of scores.
 */
export function topK(scores: Float32Array, labels: readonly string[], k: number): Prediction[] {
  const count = Math.max(0, Math.min(Math.floor(k), scores.length));
  if (count === 0) return [];
  const order = Array.from(scores.keys()).sort((a, b) => compareDescending(rank(scores[a] as number), rank(scores[b] as number)));
  return order.slice(0, count).map((index) => ({ index, label: labels[index] ?? `class ${index}`, score: scores[index] as number }));
}

/** Equal infinities compare equal here, where subtracting them would give NaN. */
function compareDescending(a: number, b: number): number {
  return a > b ? -1 : a < b ? 1 : 0;
}

function rank(score: number): number {
  return Number.isNaN(score) ? Number.NEGATIVE_INFINITY : score;
}
