/**
 * What the runtime offers the service host and the CLI: a loaded `model_def.zip` that turns
 * images (or pre-processed tensors) into class scores, stage by stage, with timings.
 */
import type { Precision } from '../pipeline/types';
import type { StageEngineInfo } from './engines/stageEngine';

/** Decoded pixels: 8-bit RGB, row-major, `width * height * 3` bytes. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A float tensor for one image, without the batch dimension (e.g. [224, 224, 3]). */
export interface ImageTensor {
  shape: number[];
  data: Float32Array;
}

export interface Prediction {
  index: number;
  label: string;
  score: number;
}

/** Milliseconds per stage name (e.g. decode, preprocess, featurizer, classifier) and `total`. */
export type Timings = Record<string, number>;

/** Which TensorFlow.js backend runs the model stages: native, WebAssembly, or pure JS. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface ScoredBatch {
  /** One row of `classes` scores (probabilities) per input, in input order. */
  scores: Float32Array[];
  /** Per model stage, for the whole batch. */
  timings: Timings;
}

export interface LoadedPipeline {
  readonly name: string;
  /** The engines of its model stages in one phrase (engines/stageEngine.ts describeEngines). */
  readonly backend: string;
  /** Each model stage's engine and precision, by stage name. */
  readonly engines: Readonly<Record<string, StageEngineInfo>>;
  readonly precision: Precision;
  /** True when any featurizer runs generated weights: its classes are meaningless. */
  readonly synthetic: boolean;
  /** Shape the model stages take, without the batch dimension (the preprocess output). */
  readonly inputShape: readonly number[];
  readonly classes: number;
  readonly labels: readonly string[];
  readonly topK: number;
  /** Decodes and pre-processes one image (CPU work, outside the model batch). */
  prepare(image: Uint8Array): Promise<{ tensor: ImageTensor; timings: Timings }>;
  /** Runs the model stages on a batch of prepared tensors of `inputShape`. */
  score(batch: readonly ImageTensor[]): Promise<ScoredBatch>;
  dispose(): void;
}
