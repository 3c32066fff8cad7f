/**
 * A pipeline whose model stages run in a worker thread of their own (pipelineWorker.ts),
 * seen from the host as an ordinary LoadedPipeline. Decoding and pre-processing stay on
 * the calling thread (sharp decodes on libuv's pool; the resize of one image takes a few
 * milliseconds); every batch goes to the worker as one transferred buffer, through the
 * host's ComputeGate.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { UserError } from '../../common/errors';
import type { PreprocessServiceStage, ServiceDef } from '../../pipeline/serviceDef';
import { prepareImage, stackBatch } from '../batchInput';
import type { LoadPipelineOptions } from '../loadPipeline';
import type { ImageTensor, LoadedPipeline, ScoredBatch, Timings } from '../types';
import type { ComputeGate } from './computeGate';
import type { FromWorker, PipelineFacts, ToWorker } from './protocol';

export interface WorkerPipelineOptions extends LoadPipelineOptions {
  gate: ComputeGate;
  /** Called once if the worker dies after loading (a native crash, out of memory). */
  onWorkerExit?: (reason: string) => void;
}

/** The bundled CLI has it beside itself (dist/); compiled sources beside this file. */
const WORKER_SCRIPT = join(__dirname, 'pipelineWorker.js');

export async function loadPipelineInWorker(zip: Uint8Array, serviceDef: ServiceDef, options: WorkerPipelineOptions): Promise<LoadedPipeline> {
  const preprocess = serviceDef.pipeline.find((stage): stage is PreprocessServiceStage => stage.type === 'preprocess');
  if (!preprocess) throw new UserError(`${serviceDef.name}: a pipeline starts with a preprocess stage; package it again`);
  if (!existsSync(WORKER_SCRIPT)) throw new Error(`the pipeline worker ${WORKER_SCRIPT} is missing from this build`);
  const { gate, onWorkerExit, ...loadOptions } = options;
  const worker = new Worker(WORKER_SCRIPT);
  const channel = new WorkerChannel(worker);
  const copy = new Uint8Array(zip);
  const reply = await channel.request({ kind: 'load', zip: copy, options: loadOptions }, [copy.buffer]);
  if (reply.kind !== 'loaded') {
    await worker.terminate();
    const message = reply.kind === 'loadFailed' ? reply.message : 'the pipeline worker answered out of turn';
    throw reply.kind === 'loadFailed' && reply.userError ? new UserError(message) : new Error(message);
  }
  channel.onExit = onWorkerExit;
  return new WorkerPipeline(reply.facts, preprocess, channel, gate);
}

class WorkerPipeline implements LoadedPipeline {
  readonly name: string;
  readonly backend: string;
  readonly engines: PipelineFacts['engines'];
  readonly precision: PipelineFacts['precision'];
  readonly synthetic: boolean;
  readonly inputShape: readonly number[];
  readonly classes: number;
  readonly labels: readonly string[];
  readonly topK: number;

  constructor(
    facts: PipelineFacts,
    private readonly preprocess: PreprocessServiceStage,
    private readonly channel: WorkerChannel,
    private readonly gate: ComputeGate,
  ) {
    this.name = facts.name;
    this.backend = facts.backend;
    this.engines = facts.engines;
    this.precision = facts.precision;
    this.synthetic = facts.synthetic;
    this.inputShape = facts.inputShape;
    this.labels = facts.labels;
    this.classes = facts.labels.length;
    this.topK = facts.topK;
  }

  prepare(image: Uint8Array): Promise<{ tensor: ImageTensor; timings: Timings }> {
    return prepareImage(image, this.preprocess);
  }

  async score(batch: readonly ImageTensor[]): Promise<ScoredBatch> {
    if (batch.length === 0) return { scores: [], timings: { total: 0 } };
    const input = stackBatch(batch, this.inputShape, this.name);
    const reply = await this.gate.run(() => this.channel.request({ kind: 'score', id: this.channel.nextId(), input, batchSize: batch.length }, [input.buffer as ArrayBuffer]));
    if (reply.kind === 'scoreFailed') throw reply.userError ? new UserError(reply.message) : new Error(reply.message);
    if (reply.kind !== 'scored') throw new Error('the pipeline worker answered out of turn');
    const scores = Array.from({ length: batch.length }, (_, i) => reply.scores.subarray(i * this.classes, (i + 1) * this.classes));
    return { scores, timings: reply.timings };
  }

  dispose(): void {
    void this.channel.close();
  }
}

/** Requests to one worker and their replies, matched by id (loads and disposals by kind). */
class WorkerChannel {
  onExit: ((reason: string) => void) | undefined;
  private readonly pending = new Map<number, (reply: FromWorker) => void>();
  private loadWaiter: ((reply: FromWorker) => void) | undefined;
  private ids = 0;
  private exited: string | undefined;
  private closing = false;

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: FromWorker) => this.receive(reply));
    worker.on('error', (error) => this.fail(`the pipeline worker failed: ${error.message}`));
    worker.on('exit', (code) => this.fail(`the pipeline worker exited (code ${code})`));
  }

  nextId(): number {
    return ++this.ids;
  }

  request(message: ToWorker, transfer: ArrayBuffer[]): Promise<FromWorker> {
    if (this.exited !== undefined) return Promise.reject(new Error(this.exited));
    return new Promise((resolve) => {
      if (message.kind === 'score') this.pending.set(message.id, resolve);
      else this.loadWaiter = resolve;
      this.worker.postMessage(message, transfer);
    });
  }

  async close(): Promise<void> {
    if (this.closing || this.exited !== undefined) return;
    this.closing = true;
    // Let the worker free its sessions itself, then end it either way.
    await Promise.race([this.request({ kind: 'dispose' }, []), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    await this.worker.terminate();
  }

  private receive(reply: FromWorker): void {
    if (reply.kind === 'scored' || reply.kind === 'scoreFailed') {
      const resolve = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      resolve?.(reply);
      return;
    }
    const resolve = this.loadWaiter;
    this.loadWaiter = undefined;
    resolve?.(reply);
  }

  private fail(reason: string): void {
    if (this.exited !== undefined) return;
    this.exited = reason;
    const failed: FromWorker = { kind: 'loadFailed', message: reason, userError: false };
    this.loadWaiter?.(failed);
    this.loadWaiter = undefined;
    for (const [id, resolve] of this.pending) resolve({ kind: 'scoreFailed', id, message: reason, userError: false });
    this.pending.clear();
    if (!this.closing) this.onExit?.(reason);
  }
}
