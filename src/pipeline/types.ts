/**
 * The pipeline file format (`*.pipeline.json`): what a user writes in the editor.
 * `pipeline.schema.json` beside this file is the same contract for the JSON editor;
 * `validate.ts` checks what a schema cannot (files, shapes, the featurizer catalog).
 */

export type ChannelOrder = 'RGB' | 'BGR';
export type Interpolation = 'bilinear' | 'nearest';
export type Precision = 'fp32' | 'int8';

/** Resize to an exact size, or so that the shorter side has this length (aspect kept). */
export type Resize = { width: number; height: number } | { shorterSide: number };

/**
 * Declarative image pre-processing. The image is decoded to 3 channels (RGB), resized,
 * center-cropped, reordered, then each value becomes `((x - mean) / std) * scale`.
 */
export interface PreprocessStage {
  type: 'preprocess';
  name: string;
  resize?: Resize;
  interpolation?: Interpolation;
  /** [height, width] of the center crop. */
  centerCrop?: [number, number];
  channelOrder?: ChannelOrder;
  /** Per channel, in the stage's channel order, on the 0–255 scale. */
  mean?: [number, number, number];
  std?: [number, number, number];
  scale?: number;
}

/** A featurizer from the catalog; the service supplies its (quantized) weights. */
export interface AcceleratedStage {
  type: 'accelerated';
  name: string;
  model: string;
  version?: string;
  precision?: Precision;
}

/** A TensorFlow.js model (layers or graph `model.json` plus its weight files). */
export interface TensorflowStage {
  type: 'tensorflow';
  name: string;
  /** Path to `model.json`, relative to the pipeline file. */
  model: string;
  inputTensor: string;
  outputTensor: string;
  /** Shapes without the batch dimension; -1 stands for any size. */
  inputShape: number[];
  outputShape: number[];
}

/** The featurizer's default ImageNet classifier, or a TensorFlow.js classifier model. */
export type ClassifierStage =
  | { type: 'classifier'; name: string; model: 'default' }
  | {
      type: 'classifier';
      name: string;
      model: string;
      inputTensor: string;
      outputTensor: string;
      inputShape: number[];
      /** Number of classes the model scores. */
      classes: number;
    };

export type Stage = PreprocessStage | AcceleratedStage | TensorflowStage | ClassifierStage;
export type StageType = Stage['type'];

export interface PipelineFile {
  $schema?: string;
  name: string;
  description?: string;
  stages: Stage[];
  /** `"imagenet"` (supplied by the service's model store) or a text file, one class a line. */
  labels: string;
  topK?: number;
}

export const STAGE_TYPES: readonly StageType[] = ['preprocess', 'accelerated', 'tensorflow', 'classifier'];
export const DEFAULT_TOP_K = 5;
export const IMAGENET_LABELS = 'imagenet';
export const DEFAULT_CLASSIFIER = 'default';
