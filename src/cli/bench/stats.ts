/** Latency statistics of one benchmark row. */
export interface LatencyStats {
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
}

/** Nearest-rank percentiles: every reported value is a latency that was really measured. */
export function percentiles(samples: readonly number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number => round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN);
  return { p50_ms: at(50), p90_ms: at(90), p99_ms: at(99) };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
