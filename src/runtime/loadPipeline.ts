/**
 * Runs a model_def.zip: the preprocess stage on the CPU per image (`prepare`), then the model
 * stages in order on one TensorFlow.js backend for a whole batch (`score`).
 *
 * Stage engines:
 * - brainwave: a featurizer from the runtime catalog, weights from the model store;
 * - tensorflow: a TensorFlow.js model from the zip (layers or graph model);
 * - classifier: the preceding featurizer's default ImageNet head, or a TensorFlow.js model.
 *
 * Scores are probabilities. The default heads end in softmax. A TensorFlow.js classifier's
 * row is kept as it is when it already is a distribution (every value in [0, 1], sum within
 * 1e-3 of 1); otherwise it is taken for logits and softmax is applied to it.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../common/errors';
import type { ModelDef } from '../pipeline/modelDefReader';
import type { ClassifierServiceStage, PreprocessServiceStage, ServiceDef } from '../pipeline/serviceDef';
import type { Precision } from '../pipeline/types';
import { initBackend } from './backend';
import type { BackendPreference } from './backend';
import { loadFeaturizer } from './featurizers';
import type { LoadedFeaturizer } from './featurizers';
import { decodeImage } from './image/decode';
import { preprocessImage } from './image/preprocess';
import { parseLabels, readStoreLabels } from './modelStore';
import { StageModel, zipSource } from './tfjsFiles';
import type { BackendName, ImageTensor, LoadedPipeline, ScoredBatch, Timings } from './types';

export interface LoadPipelineOptions {
  /** The model store folder (see modelStore.ts for its layout and resolveModelStore). */
  modelStore: string;
  backend?: BackendPreference;
  /** Run featurizers that have generated weights (resnet50) on them even where real ones exist. */
  syntheticWeights?: boolean;
  /** Seed of generated weights; the same seed gives identical weights and scores. */
  seed?: number;
  /**
   * Run the model stages once on a zero input while loading (default true), so a model that
   * cannot run fails at load time and the first request does not pay the backend's warm-up.
   */
  warmUp?: boolean;
}

/** A loaded pipeline with a way to call its models directly on the engine (benchmark "raw" mode). */
export interface RunnablePipeline extends LoadedPipeline {
  /**
   * The model stages alone, synchronously on the backend: [N, ...inputShape] →
   * [N, classes] as the last model outputs it (no copies, no timings, no softmax rule for
   * TensorFlow.js classifiers). The caller owns the result: call it inside tf.tidy or dispose it.
   */
  rawPredict(input: tf.Tensor): tf.Tensor;
}

/** One model stage, ready to run on a batch. */
interface ModelStep {
  readonly name: string;
  /** What the stage takes, without the batch dimension; -1 is left to the model. */
  readonly inputShape: readonly number[];
  readonly run: (x: tf.Tensor) => tf.Tensor;
  /** True for a TensorFlow.js classifier, whose rows may be logits (see the file comment). */
  readonly mayGiveLogits: boolean;
}

export async function loadPipeline(modelDef: ModelDef, options: LoadPipelineOptions): Promise<RunnablePipeline> {
  const { serviceDef } = modelDef;
  const preprocess = serviceDef.pipeline.find((stage): stage is PreprocessServiceStage => stage.type === 'preprocess');
  const last = serviceDef.pipeline[serviceDef.pipeline.length - 1];
  if (!preprocess || last?.type !== 'classifier') {
    throw new UserError(`${serviceDef.name}: a pipeline starts with a preprocess stage and ends with a classifier stage; package it again`);
  }
  // Labels first: checking a text file is cheap, loading featurizers is not.
  const labels = await loadLabels(modelDef, options.modelStore, last.classes);
  const backend = await initBackend(options.backend ?? 'auto');

  const owned: { dispose(): void }[] = [];
  try {
    const { steps, synthetic } = await loadSteps(modelDef, options, owned);
    const inputShape = pipelineInputShape(preprocess, steps);
    const pipeline = new PipelineRunner(serviceDef, preprocess, steps, owned, {
      backend,
      precision: serviceDef.pipeline.some((stage) => stage.type === 'brainwave' && stage.precision === 'int8') ? 'int8' : 'fp32',
      synthetic,
      inputShape,
      labels,
    });
    if (options.warmUp ?? true) pipeline.warmUp();
    return pipeline;
  } catch (error) {
    for (const model of owned) model.dispose();
    throw error;
  }
}

async function loadLabels(modelDef: ModelDef, store: string, classes: number): Promise<string[]> {
  const source = modelDef.serviceDef.labels;
  let labels: string[];
  let where: string;
  if ('store' in source) {
    labels = await readStoreLabels(store, source.store);
    where = `the model store's "${source.store}" labels`;
  } else {
    const data = modelDef.files.get(source.path);
    if (!data) throw new UserError(`model_def.zip has no labels entry "${source.path}": package the pipeline again`);
    labels = parseLabels(data.toString('utf8'));
    where = `labels file "${source.path}"`;
  }
  if (labels.length !== classes) {
    throw new UserError(`${where} name ${labels.length} classes, but the classifier scores ${classes}: give exactly one name per class, one a line`);
  }
  return labels;
}

async function loadSteps(modelDef: ModelDef, options: LoadPipelineOptions, owned: { dispose(): void }[]): Promise<{ steps: ModelStep[]; synthetic: boolean }> {
  const steps: ModelStep[] = [];
  let featurizer: LoadedFeaturizer | undefined;
  let synthetic = false;
  for (const stage of modelDef.serviceDef.pipeline) {
    switch (stage.type) {
      case 'preprocess':
        break;
      case 'brainwave': {
        const loaded = await loadFeaturizer(stage.model_ref, stage.model_version, {
          modelStore: options.modelStore,
          precision: stage.precision,
          syntheticWeights: options.syntheticWeights ?? false,
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
        });
        owned.push(loaded);
        featurizer = loaded;
        synthetic ||= loaded.synthetic;
        steps.push({ name: stage.name, inputShape: stage.input_tensor_dims, run: (x) => loaded.featurize(x), mayGiveLogits: false });
        break;
      }
      case 'tensorflow': {
        const model = await StageModel.load(zipSource(modelDef.files, stage.model_path), stage.input_tensor, stage.output_tensor);
        owned.push(model);
        steps.push({ name: stage.name, inputShape: stage.input_shape, run: (x) => model.predict(x), mayGiveLogits: false });
        break;
      }
      case 'classifier':
        steps.push(await classifierStep(stage, featurizer, modelDef, owned));
        break;
    }
  }
  return { steps, synthetic };
}

async function classifierStep(stage: ClassifierServiceStage, featurizer: LoadedFeaturizer | undefined, modelDef: ModelDef, owned: { dispose(): void }[]): Promise<ModelStep> {
  if ('model' in stage) {
    if (!featurizer) throw new UserError(`stage "${stage.name}": the default classifier needs an accelerated stage before it`);
    const head = featurizer;
    return { name: stage.name, inputShape: stage.input_tensor_dims, run: (x) => head.classify(x), mayGiveLogits: false };
  }
  const model = await StageModel.load(zipSource(modelDef.files, stage.model_path), stage.input_tensor, stage.output_tensor);
  owned.push(model);
  return { name: stage.name, inputShape: stage.input_shape, run: (x) => model.predict(x), mayGiveLogits: true };
}

/** The preprocess output when its size is fixed, else what the first model stage takes. */
function pipelineInputShape(preprocess: PreprocessServiceStage, steps: readonly ModelStep[]): number[] {
  const crop = preprocess.center_crop;
  const resize = preprocess.resize;
  if (crop) return [crop[0], crop[1], 3];
  if (resize && 'width' in resize) return [resize.height, resize.width, 3];
  return [...(steps[0]?.inputShape ?? [-1, -1, 3])];
}

interface PipelineFacts {
  backend: BackendName;
  precision: Precision;
  synthetic: boolean;
  inputShape: number[];
  labels: string[];
}

class PipelineRunner implements RunnablePipeline {
  readonly name: string;
  readonly backend: BackendName;
  readonly precision: Precision;
  readonly synthetic: boolean;
  readonly inputShape: readonly number[];
  readonly classes: number;
  readonly labels: readonly string[];
  readonly topK: number;
  private readonly inputSize: number;
  private disposed = false;

  constructor(
    serviceDef: ServiceDef,
    private readonly preprocessStage: PreprocessServiceStage,
    private readonly steps: readonly ModelStep[],
    private readonly owned: readonly { dispose(): void }[],
    facts: PipelineFacts,
  ) {
    this.name = serviceDef.name;
    this.backend = facts.backend;
    this.precision = facts.precision;
    this.synthetic = facts.synthetic;
    this.inputShape = Object.freeze([...facts.inputShape]);
    this.labels = Object.freeze([...facts.labels]);
    this.classes = facts.labels.length;
    this.topK = serviceDef.top_k;
    // -1: the size depends on each image, so batches cannot be stacked.
    this.inputSize = facts.inputShape.some((d) => d < 0) ? -1 : facts.inputShape.reduce((product, d) => product * d, 1);
  }

  async prepare(image: Uint8Array): Promise<{ tensor: ImageTensor; timings: Timings }> {
    const start = performance.now();
    const decoded = await decodeImage(image);
    const decodedAt = performance.now();
    const tensor = await preprocessImage(decoded, this.preprocessStage);
    return { tensor, timings: { decode: decodedAt - start, preprocess: performance.now() - decodedAt } };
  }

  async score(batch: readonly ImageTensor[]): Promise<ScoredBatch> {
    this.assertUsable();
    const start = performance.now();
    if (batch.length === 0) return { scores: [], timings: { total: 0 } };
    const data = this.stack(batch);
    const timings: Timings = {};
    const output = tf.tidy(() => this.runSteps(tf.tensor(data, [batch.length, ...this.inputShape], 'float32'), timings));
    let values: Float32Array;
    try {
      values = (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
    const scores = this.rows(values, batch.length);
    timings.total = performance.now() - start;
    return { scores, timings };
  }

  rawPredict(input: tf.Tensor): tf.Tensor {
    this.assertUsable();
    return tf.tidy(() => this.runSteps(input, undefined));
  }

  /** Runs once on zeros: surfaces a model that cannot run, and warms the backend's kernels. */
  warmUp(): void {
    if (this.inputShape.some((d) => d < 0)) return;
    tf.tidy(() => {
      this.runSteps(tf.zeros([1, ...this.inputShape]), undefined);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const model of this.owned) model.dispose();
  }

  private assertUsable(): void {
    // Scoring after dispose is a bug in the caller, not something a user can fix.
    if (this.disposed) throw new Error(`pipeline "${this.name}" was disposed`);
  }

  /** One [N, ...inputShape] buffer: a single tensor upload instead of N plus a concat. */
  private stack(batch: readonly ImageTensor[]): Float32Array {
    if (this.inputSize < 0) {
      throw new UserError(`pipeline "${this.name}" has no fixed input size (add a resize or centerCrop to its preprocess stage), so its images cannot be batched`);
    }
    const data = new Float32Array(batch.length * this.inputSize);
    batch.forEach((item, i) => {
      if (!sameShape(item.shape, this.inputShape) || item.data.length !== this.inputSize) {
        throw new UserError(`input ${i} has shape [${item.shape.join(', ')}]; pipeline "${this.name}" takes [${this.inputShape.join(', ')}]`);
      }
      data.set(item.data, i * this.inputSize);
    });
    return data;
  }

  /**
   * The stages, each on the previous stage's output. Timings are per stage: backends used
   * here (tensorflow, wasm, cpu) run each op synchronously, so the clock brackets real work.
   */
  private runSteps(input: tf.Tensor, timings: Timings | undefined): tf.Tensor {
    let x = input;
    for (const step of this.steps) {
      const start = performance.now();
      try {
        x = step.run(fitTo(x, step));
      } catch (error) {
        if (error instanceof UserError) throw error;
        // The models are the pipeline's (user-supplied or from the store): say which failed.
        throw new UserError(`stage "${step.name}" failed on a [${x.shape.join(', ')}] batch: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (timings) timings[step.name] = performance.now() - start;
    }
    return x;
  }

  private rows(values: Float32Array, count: number): Float32Array[] {
    if (values.length !== count * this.classes) {
      throw new UserError(`pipeline "${this.name}": the classifier gave ${values.length / count} scores per image, not the ${this.classes} it declares`);
    }
    const mayGiveLogits = this.steps[this.steps.length - 1]?.mayGiveLogits ?? false;
    return Array.from({ length: count }, (_, i) => {
      const row = values.slice(i * this.classes, (i + 1) * this.classes);
      return mayGiveLogits && !isDistribution(row) ? softmaxInPlace(row) : row;
    });
  }
}

/** Reshapes a batch to what a stage takes (same values, stage's own rank). */
function fitTo(x: tf.Tensor, step: ModelStep): tf.Tensor {
  const open = step.inputShape.filter((d) => d < 0).length;
  if (open > 1 || sameShape(x.shape.slice(1), step.inputShape)) return x;
  const batch = x.shape[0] ?? 1;
  const wanted = step.inputShape.reduce((product, d) => (d < 0 ? product : product * d), 1);
  const have = x.size / batch;
  if (open === 0 ? have !== wanted : have % wanted !== 0) {
    throw new UserError(`stage "${step.name}" takes [${step.inputShape.join(', ')}] but receives [${x.shape.slice(1).join(', ')}]`);
  }
  return tf.reshape(x, [batch, ...step.inputShape]);
}

const DISTRIBUTION_TOLERANCE = 1e-3;

function isDistribution(row: Float32Array): boolean {
  let sum = 0;
  for (const value of row) {
    if (!(value >= 0 && value <= 1)) return false;
    sum += value;
  }
  return Math.abs(sum - 1) <= DISTRIBUTION_TOLERANCE;
}

/** Softmax without overflow: exp(x - max). */
function softmaxInPlace(row: Float32Array): Float32Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const value of row) if (value > max) max = value;
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    const e = Math.exp((row[i] as number) - max);
    row[i] = e;
    sum += e;
  }
  for (let i = 0; i < row.length; i++) row[i] = (row[i] as number) / sum;
  return row;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
