/**
 * How the classify panel writes numbers. Pure functions, shared by the webview and the
 * plain-Node unit tests (test/unit/classifyFormat.test.ts).
 */

/**
 * A confidence in [0, 1] as a percentage with one decimal. Values too small to show as
 * 0.1% say so ("<0.1%") instead of claiming zero, and values just below certainty never
 * round up to "100.0%", which would read as a guarantee.
 */
export function formatPercent(score: number): string {
  if (!Number.isFinite(score) || score <= 0) return '0%';
  if (score >= 1) return '100%';
  const percent = score * 100;
  if (percent < 0.1) return '<0.1%';
  if (percent >= 99.95) return '>99.9%';
  return `${percent.toFixed(1)}%`;
}

/** A bar's length: the score clamped to [0, 1], so a rounding overshoot never overflows. */
export function barValue(score: number): number {
  if (!Number.isFinite(score)) return 0;
  return Math.min(1, Math.max(0, score));
}

/**
 * Milliseconds with the precision that matters at that size: two decimals below 1 ms (queue
 * waits are often fractions), one below 100 ms, whole milliseconds above, seconds from 10 s.
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A stage's share of the total, for the timing bars: clamped, and 0 when the total is unknown. */
export function shareOf(ms: number, totalMs: number): number {
  if (!(totalMs > 0) || !Number.isFinite(ms)) return 0;
  return Math.min(1, Math.max(0, ms / totalMs));
}
