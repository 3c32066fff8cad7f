/**
 * One deployed service: its life cycle (Transitioning → Healthy or Failed, then Deleting),
 * its loaded pipeline and batcher, and the count of requests in flight, so that deleting
 * or shutting down lets every admitted request finish first.
 */
import { isUserError, messageOf } from '../common/errors';
import { Admission } from './admission';
import type { ImageTensor, LoadedPipeline, Timings } from '../runtime/types';
import { DynamicBatcher } from './batcher';
import type { BatcherOptions, RowResult } from './batcher';
import { HttpError, badRequest } from './httpError';
import type { ModelRecord, ServiceRecord } from './stateStore';

export type ServiceState = 'Transitioning' | 'Healthy' | 'Failed' | 'Deleting';

/** One input's scores and where its time went. */
export interface ScoredRow {
  scores: Float32Array;
  /** Decoding and pre-processing of this input (empty for tensors sent ready-made). */
  prepare: Timings;
  /** The model stages of the batch it ran in: one object shared by the rows of that batch. */
  batch: Timings;
  queueMs: number;
  batchSize: number;
}

export class DeployedService {
  private current: ServiceState = 'Transitioning';
  private failure: string | null = null;
  private pipeline: LoadedPipeline | undefined;
  private batcher: DynamicBatcher | undefined;
  private inFlight = 0;
  private drainWaiters: (() => void)[] = [];
  /** Requests hold their places here before their bodies are read or decoded (inferenceRoutes.ts). */
  readonly admission: Admission;

  constructor(
    public record: ServiceRecord,
    readonly model: ModelRecord,
    readonly batching: Readonly<BatcherOptions>,
    private readonly onStateChange: (service: DeployedService) => void,
  ) {
    this.admission = new Admission(batching.queueLimit, (held) => this.batcher?.retryAfterS(held) ?? 1);
  }

  get name(): string {
    return this.record.name;
  }

  get state(): ServiceState {
    return this.current;
  }

  get error(): string | null {
    return this.failure;
  }

  /** The loaded pipeline, once Healthy (and while Deleting). */
  get loaded(): LoadedPipeline | undefined {
    return this.pipeline;
  }

  /** Loads the pipeline; a failure makes the service Failed with its message, never throws. */
  async load(loadPipeline: () => Promise<LoadedPipeline>): Promise<void> {
    let pipeline: LoadedPipeline;
    try {
      pipeline = await loadPipeline();
    } catch (error) {
      if (this.current === 'Deleting') return;
      this.failure = isUserError(error) ? error.message : `internal error while loading: ${messageOf(error)}`;
      this.setState('Failed');
      throw error;
    }
    if (this.current === 'Deleting') {
      pipeline.dispose();
      return;
    }
    this.pipeline = pipeline;
    this.batcher = new DynamicBatcher((batch) => pipeline.score(batch), this.batching);
    this.setState('Healthy');
  }

  /** Its engine was lost after loading (its worker crashed): Failed, with the reason, until deployed again. */
  fail(reason: string): void {
    if (this.current === 'Deleting') return;
    this.failure = `${reason}; delete the service and deploy it again (the host's log may say more)`;
    this.pipeline = undefined;
    this.batcher = undefined;
    this.setState('Failed');
  }

  /** Why this service cannot take a request now, or undefined when it can. */
  unavailableReason(): HttpError | undefined {
    switch (this.current) {
      case 'Healthy':
        return undefined;
      case 'Transitioning':
        return new HttpError(503, `service ${this.name} is Transitioning: its model is still loading; retry shortly`, { 'Retry-After': '1' });
      case 'Failed':
        return new HttpError(503, `service ${this.name} is Failed: ${this.failure ?? 'unknown error'}`);
      case 'Deleting':
        return new HttpError(503, `service ${this.name} is Deleting`);
    }
  }

  /** Decodes, pre-processes and scores encoded images, one row each, in order. */
  classifyImages(images: readonly Uint8Array[]): Promise<ScoredRow[]> {
    return this.admit(async (pipeline, batcher) => {
      const prepared = await Promise.all(
        images.map((image, i) =>
          pipeline.prepare(image).catch((error: unknown) => {
            // Which image of several was bad matters to the caller; the message stays the runtime's.
            if (images.length > 1 && isUserError(error)) throw badRequest(`image ${i}: ${error.message}`);
            throw error;
          }),
        ),
      );
      const rows = await batcher.submit(prepared.map((p) => p.tensor));
      return rows.map((row, i) => scoredRow(row, prepared[i]?.timings ?? {}));
    });
  }

  /** Scores tensors already pre-processed to the pipeline's input shape. */
  scoreTensors(tensors: readonly ImageTensor[]): Promise<ScoredRow[]> {
    return this.admit(async (_pipeline, batcher) => {
      const rows = await batcher.submit(tensors);
      return rows.map((row) => scoredRow(row, {}));
    });
  }

  /**
   * Refuses new requests from now on; returns the state before, for `cancelDelete` if the
   * deletion cannot be recorded.
   */
  markDeleting(): ServiceState {
    const previous = this.current;
    this.setState('Deleting');
    return previous;
  }

  cancelDelete(previous: ServiceState): void {
    if (this.current === 'Deleting') this.setState(previous);
  }

  /** Refuses new requests, waits for those admitted, and frees the pipeline. */
  async retire(): Promise<void> {
    this.setState('Deleting');
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    await this.batcher?.whenIdle();
    this.pipeline?.dispose();
    this.pipeline = undefined;
    this.batcher = undefined;
  }

  private async admit<T>(work: (pipeline: LoadedPipeline, batcher: DynamicBatcher) => Promise<T>): Promise<T> {
    const refusal = this.unavailableReason();
    if (refusal || !this.pipeline || !this.batcher) throw refusal ?? new HttpError(503, `service ${this.name} is not ready`);
    this.inFlight++;
    try {
      return await work(this.pipeline, this.batcher);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) {
        const waiters = this.drainWaiters;
        this.drainWaiters = [];
        for (const resolve of waiters) resolve();
      }
    }
  }

  private setState(state: ServiceState): void {
    if (this.current === state) return;
    this.current = state;
    this.onStateChange(this);
  }
}

function scoredRow(row: RowResult, prepare: Timings): ScoredRow {
  return { scores: row.scores, prepare, batch: row.timings, queueMs: row.queueMs, batchSize: row.batchSize };
}
