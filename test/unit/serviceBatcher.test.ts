/**
 * The dynamic batcher on its own. The "pipeline" here is a few lines of real arithmetic
 * defined in this test (each row is computed from its own tensor), which is what makes
 * mixed-up rows detectable; the end-to-end tests run the real MobileNet.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImageTensor, ScoredBatch } from '../../src/runtime/types';
import { DynamicBatcher, QueueFullError } from '../../src/service/batcher';
import type { BatcherOptions } from '../../src/service/batcher';

function tensor(seed: number): ImageTensor {
  const data = new Float32Array(12).map((_, i) => seed * 100 + i);
  return { shape: [2, 2, 3], data };
}

function sum(data: Float32Array): number {
  return data.reduce((a, b) => a + b, 0);
}

/** Scores each tensor as [sum, first value, batch size]; records batches and overlap. */
function arithmeticPipeline(delayMs = 0): { score: (batch: readonly ImageTensor[]) => Promise<ScoredBatch>; batches: number[]; maxConcurrent: () => number } {
  const batches: number[] = [];
  let running = 0;
  let maxConcurrent = 0;
  return {
    batches,
    maxConcurrent: () => maxConcurrent,
    async score(batch) {
      running++;
      maxConcurrent = Math.max(maxConcurrent, running);
      batches.push(batch.length);
      if (delayMs > 0) await sleep(delayMs);
      running--;
      return { scores: batch.map((t) => Float32Array.from([sum(t.data), t.data[0] ?? 0, batch.length])), timings: { model: delayMs } };
    },
  };
}

function batcher(pipeline: ReturnType<typeof arithmeticPipeline>, options: Partial<BatcherOptions> = {}): DynamicBatcher {
  return new DynamicBatcher(pipeline.score, { maxBatchSize: 4, maxDelayMs: 5, queueLimit: 64, ...options });
}

describe('dynamic batcher', () => {
  test('each of 20 concurrent callers gets the row of its own tensor; batches never overlap', async () => {
    const pipeline = arithmeticPipeline(10);
    const b = batcher(pipeline);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => b.submit([tensor(i)])));
    results.forEach(([row], i) => {
      assert.ok(row);
      assert.equal(row.scores[0], sum(tensor(i).data));
      assert.equal(row.scores[1], i * 100);
      assert.equal(row.batchSize, row.scores[2]);
    });
    assert.equal(pipeline.maxConcurrent(), 1);
    assert.ok(pipeline.batches.every((size) => size >= 1 && size <= 4), `batch sizes ${pipeline.batches.join(',')}`);
    assert.ok(pipeline.batches.some((size) => size > 1), 'some batching happened');
    assert.equal(pipeline.batches.reduce((a, c) => a + c, 0), 20);
  });

  test('a multi-tensor request gets its rows back in order, across batches', async () => {
    const pipeline = arithmeticPipeline();
    const b = batcher(pipeline, { maxBatchSize: 3 });
    const rows = await b.submit(Array.from({ length: 7 }, (_, i) => tensor(i)));
    assert.deepEqual(
      rows.map((r) => r.scores[1]),
      [0, 100, 200, 300, 400, 500, 600],
    );
    assert.deepEqual(pipeline.batches, [3, 3, 1]);
  });

  test('a full batch runs at once, without waiting for the delay', async () => {
    const pipeline = arithmeticPipeline();
    const b = batcher(pipeline, { maxBatchSize: 4, maxDelayMs: 10_000 });
    const started = performance.now();
    await Promise.all([0, 1, 2, 3].map((i) => b.submit([tensor(i)])));
    assert.ok(performance.now() - started < 1000);
    assert.deepEqual(pipeline.batches, [4]);
  });

  test('a lone tensor waits the max delay for company, then runs', async () => {
    const pipeline = arithmeticPipeline();
    const b = batcher(pipeline, { maxBatchSize: 100, maxDelayMs: 40 });
    const [row] = await b.submit([tensor(1)]);
    assert.ok(row && row.queueMs >= 35, `queued ${row?.queueMs} ms`);
    assert.deepEqual(pipeline.batches, [1]);
  });

  test('over the queue limit a request is refused whole, with a retry hint', async () => {
    const pipeline = arithmeticPipeline(50);
    const b = batcher(pipeline, { maxBatchSize: 1, maxDelayMs: 0, queueLimit: 2 });
    const running = b.submit([tensor(0)]); // runs at once: the queue is empty again
    const queued = [b.submit([tensor(1)]), b.submit([tensor(2)])];
    await assert.rejects(b.submit([tensor(3)]), (error: unknown) => error instanceof QueueFullError && error.retryAfterS >= 1 && /queue is full/.test(error.message));
    assert.equal(b.queued, 2);
    await Promise.all([running, ...queued]);
    await assert.rejects(b.submit([tensor(4), tensor(5), tensor(6)]), QueueFullError);
    assert.equal(b.queued, 0, 'nothing of the refused request stays queued');
  });

  test('a failing batch rejects its callers only; the next batch runs', async () => {
    let calls = 0;
    const b = new DynamicBatcher(
      (batch) => {
        calls++;
        if (calls === 1) return Promise.reject(new Error('boom'));
        return Promise.resolve({ scores: batch.map((t) => Float32Array.from([sum(t.data)])), timings: {} });
      },
      { maxBatchSize: 8, maxDelayMs: 0, queueLimit: 8 },
    );
    await assert.rejects(b.submit([tensor(1)]), /boom/);
    const [row] = await b.submit([tensor(2)]);
    assert.equal(row?.scores[0], sum(tensor(2).data));
  });

  test('whenIdle waits for queued and running work', async () => {
    const pipeline = arithmeticPipeline(20);
    const b = batcher(pipeline, { maxBatchSize: 2, maxDelayMs: 0 });
    let done = 0;
    for (let i = 0; i < 5; i++) void b.submit([tensor(i)]).then(() => done++);
    await b.whenIdle();
    await sleep(0); // the callers' own continuations
    assert.equal(done, 5);
    assert.equal(b.busy, false);
  });
});
