/**
 * Runs a measured operation until both a minimum count and a minimum time are reached,
 * after a warm-up; with concurrency, that many callers loop at once.
 */
import { performance } from 'node:perf_hooks';

export interface MeasureOptions {
  seconds: number;
  minIterations: number;
  warmUp: number;
  concurrency: number;
}

export interface Measurement {
  latencies: number[];
  wallMs: number;
}

export async function measure(operation: () => Promise<void> | void, options: MeasureOptions): Promise<Measurement> {
  for (let i = 0; i < options.warmUp; i++) await operation();
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + options.seconds * 1000;
  const done = (): boolean => latencies.length >= options.minIterations && performance.now() >= deadline;
  const caller = async (): Promise<void> => {
    while (!done()) {
      const t0 = performance.now();
      await operation();
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  return { latencies, wallMs: performance.now() - start };
}
