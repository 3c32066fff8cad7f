/**
 * Runs a model_def.zip: the preprocess stage on the CPU per image (`prepare`), then the model
 * stages in order, each on its stage engine, for a whole batch (`score`).
 *
 * Stage engines (engines/stageEngine.ts): ONNX Runtime runs every stage the converter
 * compiles (`--engine auto`, the default, or `onnx`); TensorFlow.js runs the others, and
 * every stage with `--engine tfjs`. Each stage reports its engine and precision.
 * - brainwave: a featurizer from the runtime catalog, weights from the model store;
 * - tensorflow: a TensorFlow.js model from the zip (layers or graph model);
 * - classifier: the preceding featurizer's default ImageNet head, or a TensorFlow.js model.
 *
 * Scores are probabilities. The default heads end in softmax. A TensorFlow.js classifier's
 * row is kept as it is when it already is a distribution (every value in [0, 1], sum within
 * 1e-3 of 1); otherwise it is taken for logits and softmax is applied to it.
 */
import { availableParallelism } from 'node:os';
import { UserError } from '../common/errors';
import type { ModelDef } from '../pipeline/modelDefReader';
import type { PreprocessServiceStage, ServiceDef } from '../pipeline/serviceDef';
import type { Precision } from '../pipeline/types';
import { initBackend } from './backend';
import type { BackendPreference } from './backend';
import { calibrationFolder } from './compile/calibration';
import { compileCacheFolder } from './compile/compiledCache';
import { featurizerEngines } from './compile/featurizerEngines';
import { layersStageEngine } from './compile/layersStageEngine';
import type { StageContext } from './compile/stageContext';
import { describeEngines, elementCount } from './engines/stageEngine';
import type { EnginePreference, StageEngine, StageEngineInfo } from './engines/stageEngine';
import { resolveOpenDimension } from './engines/tfjsStage';
import { prepareImage, stackBatch } from './batchInput';
import { parseLabels, readStoreLabels } from './modelStore';
import type { BackendName, ImageTensor, LoadedPipeline, ScoredBatch, Timings } from './types';

export interface LoadPipelineOptions {
  /** The model store folder (see modelStore.ts for its layout and resolveModelStore). */
  modelStore: string;
  /** TensorFlow.js backend for the stages that run on TensorFlow.js. */
  backend?: BackendPreference;
  /** Which engine runs the model stages (default auto: ONNX Runtime wherever it can). */
  engine?: EnginePreference;
  /** ONNX Runtime intra-op threads per session (default: every core). */
  threads?: number;
  /** Folder of calibration images for int8 (default: see compile/calibration.ts). */
  calibration?: string;
  /** Folder of compiled models (default ~/.fpga/compiled: see compile/compiledCache.ts). */
  compileCache?: string;
  /** Runs every accelerated stage at this precision instead of the pipeline's own. */
  precision?: Precision;
  /** Run featurizers that have generated weights (resnet50) on them even where real ones exist. */
  syntheticWeights?: boolean;
  /** Seed of generated weights; the same seed gives identical weights and scores. */
  seed?: number;
  /**
   * Run the model stages once on a zero input while loading (default true), so a model that
   * cannot run fails at load time and the first request does not pay the engines' warm-up.
   */
  warmUp?: boolean;
}

/** A loaded pipeline with a way to call its models directly on their engines (benchmark "raw" mode). */
export interface RunnablePipeline extends LoadedPipeline {
  /**
   * The model stages alone: [N, ...inputShape] → [N, classes] as the last model outputs it
   * (no timings, no softmax rule for TensorFlow.js classifiers).
   */
  rawPredict(input: Float32Array, batchSize: number): Promise<Float32Array>;
  /** `score` on a batch already stacked into [N, ...inputShape]. */
  scoreStacked(input: Float32Array, batchSize: number): Promise<ScoredBatch>;
}

/** One model stage, ready to run on a batch. */
interface ModelStep {
  readonly name: string;
  /** What the stage takes, without the batch dimension; -1 is left to the model. */
  readonly inputShape: readonly number[];
  readonly engine: StageEngine;
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
  const steps: ModelStep[] = [];
  try {
    const synthetic = await loadSteps(modelDef, preprocess, stageContext(options), steps);
    const inputShape = pipelineInputShape(preprocess, steps);
    const precision = steps.some((step) => step.engine.precision === 'int8') ? 'int8' : 'fp32';
    const pipeline = new PipelineRunner(serviceDef, preprocess, steps, { precision, synthetic, inputShape, labels });
    if (options.warmUp ?? true) await pipeline.warmUp();
    return pipeline;
  } catch (error) {
    await Promise.all(steps.map((step) => step.engine.dispose()));
    throw error;
  }
}

/** Where and how stages load; also what training extracts features with, so they are the features serving computes. */
export function stageContext(options: LoadPipelineOptions): StageContext {
  let backend: Promise<BackendName> | undefined;
  const backendPreference = options.backend ?? 'auto';
  return {
    modelStore: options.modelStore,
    engine: options.engine ?? 'auto',
    threads: options.threads ?? availableParallelism(),
    cacheFolder: compileCacheFolder(options.compileCache),
    calibrationFolder: calibrationFolder(options.modelStore, options.calibration),
    precision: options.precision,
    syntheticWeights: options.syntheticWeights ?? false,
    seed: options.seed,
    backendPreference,
    tfjsBackend: () => (backend ??= initBackend(backendPreference)),
  };
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

/** Loads each model stage into `steps` (so the caller can free them on failure); true when any runs generated weights. */
async function loadSteps(modelDef: ModelDef, preprocess: PreprocessServiceStage, context: StageContext, steps: ModelStep[]): Promise<boolean> {
  let defaultClassifier: StageEngine | undefined;
  let synthetic = false;
  for (const stage of modelDef.serviceDef.pipeline) {
    switch (stage.type) {
      case 'preprocess':
        break;
      case 'brainwave': {
        // A second accelerated stage's head would replace the first's; only the last one's can be used.
        if (defaultClassifier) await defaultClassifier.dispose();
        const engines = await featurizerEngines(stage, preprocess, context);
        steps.push({ name: stage.name, inputShape: stage.input_tensor_dims, engine: engines.featurizer, mayGiveLogits: false });
        defaultClassifier = engines.classifier;
        synthetic ||= engines.synthetic;
        break;
      }
      case 'tensorflow':
        steps.push({ name: stage.name, inputShape: stage.input_shape, engine: await layersStageEngine(stage, modelDef, context), mayGiveLogits: false });
        break;
      case 'classifier':
        if ('model' in stage) {
          if (!defaultClassifier) throw new UserError(`stage "${stage.name}": the default classifier needs an accelerated stage before it`);
          steps.push({ name: stage.name, inputShape: stage.input_tensor_dims, engine: defaultClassifier, mayGiveLogits: false });
          defaultClassifier = undefined;
        } else {
          steps.push({ name: stage.name, inputShape: stage.input_shape, engine: await layersStageEngine(stage, modelDef, context), mayGiveLogits: true });
        }
        break;
    }
  }
  if (defaultClassifier) await defaultClassifier.dispose();
  return synthetic;
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
  precision: Precision;
  synthetic: boolean;
  inputShape: number[];
  labels: string[];
}

class PipelineRunner implements RunnablePipeline {
  readonly name: string;
  readonly backend: string;
  readonly engines: Readonly<Record<string, StageEngineInfo>>;
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
    facts: PipelineFacts,
  ) {
    this.name = serviceDef.name;
    const stages = steps.map((step) => ({ name: step.name, info: engineInfo(step.engine) }));
    this.engines = Object.freeze(Object.fromEntries(stages.map((stage) => [stage.name, stage.info])));
    this.backend = describeEngines(stages);
    this.precision = facts.precision;
    this.synthetic = facts.synthetic;
    this.inputShape = Object.freeze([...facts.inputShape]);
    this.labels = Object.freeze([...facts.labels]);
    this.classes = facts.labels.length;
    this.topK = serviceDef.top_k;
    // -1: the size depends on each image, so batches cannot be stacked.
    this.inputSize = facts.inputShape.some((d) => d < 0) ? -1 : elementCount(facts.inputShape);
  }

  prepare(image: Uint8Array): Promise<{ tensor: ImageTensor; timings: Timings }> {
    return prepareImage(image, this.preprocessStage);
  }

  async score(batch: readonly ImageTensor[]): Promise<ScoredBatch> {
    this.assertUsable();
    if (batch.length === 0) return { scores: [], timings: { total: 0 } };
    return this.scoreStacked(stackBatch(batch, this.inputShape, this.name), batch.length);
  }

  async scoreStacked(input: Float32Array, batchSize: number): Promise<ScoredBatch> {
    this.assertUsable();
    const start = performance.now();
    const timings: Timings = {};
    const values = await this.runSteps(input, batchSize, timings);
    const scores = this.rows(values, batchSize);
    timings.total = performance.now() - start;
    return { scores, timings };
  }

  async rawPredict(input: Float32Array, batchSize: number): Promise<Float32Array> {
    this.assertUsable();
    return this.runSteps(input, batchSize, undefined);
  }

  /** Runs once on zeros: surfaces a model that cannot run, and warms the engines' kernels. */
  async warmUp(): Promise<void> {
    if (this.inputSize < 0) return;
    await this.runSteps(new Float32Array(this.inputSize), 1, undefined);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const step of this.steps) void step.engine.dispose();
  }

  private assertUsable(): void {
    // Scoring after dispose is a bug in the caller, not something a user can fix.
    if (this.disposed) throw new Error(`pipeline "${this.name}" was disposed`);
  }

  /**
   * The stages, each on the previous stage's output (a flat buffer: a stage whose shape
   * differs from the previous output only by a reshape takes it as it is). Engines run a
   * whole batch before returning, so the clock brackets each stage's real work.
   */
  private async runSteps(input: Float32Array, batchSize: number, timings: Timings | undefined): Promise<Float32Array> {
    let x = input;
    for (const step of this.steps) {
      const start = performance.now();
      resolveOpenDimension(step.name, step.inputShape, x.length / batchSize);
      try {
        x = await step.engine.run(x, batchSize);
      } catch (error) {
        if (error instanceof UserError) throw error;
        // The models are the pipeline's (user-supplied or from the store): say which failed.
        throw new UserError(`stage "${step.name}" failed on a batch of ${batchSize} on ${step.engine.engine}: ${error instanceof Error ? error.message : String(error)}`);
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

function engineInfo(engine: StageEngine): StageEngineInfo {
  return { engine: engine.engine, precision: engine.precision, ...(engine.note !== undefined ? { note: engine.note } : {}) };
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
