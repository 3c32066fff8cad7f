/**
 * Dynamic batching for one service. Prepared image tensors wait in a queue; a batch runs
 * when the queue holds `maxBatchSize` tensors or when the oldest has waited `maxDelayMs`,
 * and only one batch runs at a time (the model stages already use every core they can).
 * Each caller gets back the rows of its own tensors, whatever batch they landed in.
 */
import type { ImageTensor, ScoredBatch, Timings } from '../runtime/types';

export interface BatcherOptions {
  maxBatchSize: number;
  maxDelayMs: number;
  /** Most tensors waiting (not counting the batch running); more are refused. */
  queueLimit: number;
}

export interface RowResult {
  scores: Float32Array;
  /** The model stages' timings of the whole batch this row was part of. */
  timings: Timings;
  /** Milliseconds between entering the queue and the start of its batch. */
  queueMs: number;
  batchSize: number;
}

export type ScoreBatch = (batch: readonly ImageTensor[]) => Promise<ScoredBatch>;

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  constructor(
    message: string,
    /** Whole seconds after which a retry will probably be admitted. */
    readonly retryAfterS: number,
  ) {
    super(message);
  }
}

interface Pending {
  tensor: ImageTensor;
  enqueuedAt: number;
  resolve: (row: RowResult) => void;
  reject: (error: unknown) => void;
}

export class DynamicBatcher {
  private readonly queue: Pending[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  /** Duration of the last batch, to tell refused callers when to come back. */
  private lastBatchMs = 0;

  constructor(
    private readonly score: ScoreBatch,
    readonly options: Readonly<BatcherOptions>,
  ) {}

  /** Tensors waiting for a batch. */
  get queued(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  /**
   * Queues every tensor of one request, or none: a request is refused as a whole when its
   * tensors do not all fit under the queue limit.
   */
  submit(tensors: readonly ImageTensor[]): Promise<RowResult[]> {
    const { queueLimit } = this.options;
    if (this.queue.length + tensors.length > queueLimit) {
      const retryAfterS = this.retryAfterS(this.queue.length);
      return Promise.reject(
        new QueueFullError(`the queue is full (${this.queue.length} of ${queueLimit} images waiting); retry in ${retryAfterS} s`, retryAfterS),
      );
    }
    const enqueuedAt = performance.now();
    const rows = tensors.map(
      (tensor) =>
        new Promise<RowResult>((resolve, reject) => {
          this.queue.push({ tensor, enqueuedAt, resolve, reject });
        }),
    );
    this.schedule();
    return Promise.all(rows);
  }

  /** Whole seconds until `waiting` queued images have probably been run (at least 1). */
  retryAfterS(waiting: number): number {
    const batchesAhead = Math.ceil((waiting + 1) / this.options.maxBatchSize) + 1;
    return Math.max(1, Math.ceil((batchesAhead * this.lastBatchMs) / 1000));
  }

  /** Resolves once nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.running) return; // the running batch schedules the next when it ends
    const first = this.queue[0];
    if (!first) {
      this.notifyIdle();
      return;
    }
    const wait = first.enqueuedAt + this.options.maxDelayMs - performance.now();
    if (this.queue.length >= this.options.maxBatchSize || wait <= 0) {
      this.clearTimer();
      void this.runBatch();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
    }
  }

  private async runBatch(): Promise<void> {
    this.running = true;
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    const startedAt = performance.now();
    try {
      const scored = await this.score(batch.map((p) => p.tensor));
      if (scored.scores.length !== batch.length) {
        throw new Error(`the pipeline returned ${scored.scores.length} rows for a batch of ${batch.length}`);
      }
      batch.forEach((pending, i) => {
        pending.resolve({
          scores: scored.scores[i] as Float32Array,
          timings: scored.timings,
          queueMs: startedAt - pending.enqueuedAt,
          batchSize: batch.length,
        });
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      this.lastBatchMs = performance.now() - startedAt;
      // The model stages block the event loop while they run, so requests that arrived
      // meanwhile are still unread. Two turns of the loop (one I/O poll at least) let them
      // join the queue before the next batch is formed, instead of batching only what
      // was queued before this one started.
      setImmediate(() =>
        setImmediate(() => {
          this.running = false;
          this.schedule();
        }),
      );
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
