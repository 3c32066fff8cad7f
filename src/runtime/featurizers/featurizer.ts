/**
 * A featurizer as the runtime runs it: one Keras-style image classifier split in two at its
 * pooled features, like the original accelerated stage (the FPGA ran the convolutional body;
 * the default ImageNet classifier ran after it on the host).
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../common/errors';
import type { FeaturizerInfo } from '../../pipeline/featurizers';
import type { Precision } from '../../pipeline/types';
import type { BackendPreference } from '../backend';
import { fakeQuantizeLayers } from '../quantize';
import { compileSplit } from './inference';
import type { CompiledSplit } from './inference';

export interface FeaturizerLoadOptions {
  modelStore: string;
  precision: Precision;
  /** Forces generated weights even where the store has real ones (tests, benchmarks). */
  syntheticWeights?: boolean;
  /** Seed of generated weights: the same seed gives the same weights. */
  seed?: number;
  /** Backend to start if none runs yet (loadFeaturizer starts one: tensors need it). */
  backend?: BackendPreference;
}

/**
 * A featurizer before loading: enough to name and identify it (a compiled model's cache key
 * covers `weightsIdentity`) without paying for its weights, and the way to load it.
 */
export interface FeaturizerSource {
  readonly info: FeaturizerInfo;
  /** The layer whose output is the featurizer's output; the default classifier follows it. */
  readonly featureLayer: string;
  readonly synthetic: boolean;
  /** How messages name the model: its store file, or "generated weights". */
  readonly modelName: string;
  /** The store files holding its topology and weights, or the seed of its generated weights. */
  readonly weightsIdentity: { readonly files: readonly string[] } | { readonly generatedSeed: number };
  /** The whole Keras model (featurizer and default classifier) with its weights; the caller owns it. */
  load(): Promise<tf.LayersModel>;
}

export interface LoadedFeaturizer {
  /** Catalog name, e.g. `mobilenet_v1_0.75`. */
  readonly name: string;
  /** [height, width, channels] of the images it takes. */
  readonly inputShape: readonly number[];
  readonly featureShape: readonly number[];
  readonly classes: number;
  /** Parameters of the whole model with its default classifier (Keras `count_params()`). */
  readonly parameters: number;
  readonly synthetic: boolean;
  readonly precision: Precision;
  /**
   * Images [N, ...inputShape] → features [N, ...featureShape]. Synchronous on the backend;
   * the caller owns the result (use tf.tidy or dispose it).
   */
  featurize(images: tf.Tensor): tf.Tensor;
  /** Features [N, ...featureShape] → ImageNet probabilities [N, classes] (ends in softmax). */
  classify(features: tf.Tensor): tf.Tensor;
  dispose(): void;
}

/**
 * Turns a loaded or built Keras model into a featurizer: checks its shapes against the
 * catalog, fake-quantizes the featurizer half for int8, and compiles both halves. Takes
 * ownership of `full`, which must not be used afterwards.
 */
export function finishFeaturizer(
  full: tf.LayersModel,
  info: FeaturizerInfo,
  options: { featureLayer: string; precision: Precision; synthetic: boolean; modelName: string },
): LoadedFeaturizer {
  let plan: CompiledSplit;
  let parameters: number;
  try {
    checkModelShapes(full, info, options.modelName);
    const featureLayer = findLayer(full, options.featureLayer, options.modelName);
    const split = full.layers.indexOf(featureLayer);
    checkChain(full.layers.slice(split + 1), featureLayer, options.modelName);
    parameters = full.countParams();
    // int8 covers the featurizer half only: the layers up to the split point.
    if (options.precision === 'int8') fakeQuantizeLayers(full.layers.slice(0, split + 1));
    plan = compileSplit(full, featureLayer, info.featureShape, options.modelName);
  } catch (error) {
    // compileSplit leaves the model whole when it fails, so it can be freed as a model.
    full.dispose();
    throw error;
  }
  return {
    name: info.name,
    inputShape: info.inputShape,
    featureShape: info.featureShape,
    classes: info.classes,
    parameters,
    synthetic: options.synthetic,
    precision: options.precision,
    featurize: plan.featurize,
    classify: plan.classify,
    dispose: plan.dispose,
  };
}

/**
 * The default classifier is what follows the feature layer, and it must be a chain (each
 * layer fed by the one before), as Keras classifiers' tops are, to run on features alone.
 */
function checkChain(tail: readonly tf.layers.Layer[], featureLayer: tf.layers.Layer, modelName: string): void {
  let previous = featureLayer;
  for (const layer of tail) {
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (inbound.length !== 1 || inbound[0] !== previous) {
      throw new UserError(`${modelName}: the layers after "${featureLayer.name}" are not a simple chain ("${layer.name}" breaks it), so the model cannot be split into featurizer and classifier`);
    }
    previous = layer;
  }
}

function findLayer(model: tf.LayersModel, name: string, modelName: string): tf.layers.Layer {
  const layer = model.layers.find((candidate) => candidate.name === name);
  if (!layer) throw new UserError(`${modelName} has no layer "${name}": it is not the Keras model this featurizer expects`);
  return layer;
}

/** Checks that a loaded model takes and gives what the catalog says. */
function checkModelShapes(full: tf.LayersModel, info: FeaturizerInfo, modelName: string): void {
  const input = (full.inputs[0]?.shape ?? []).slice(1);
  const output = (full.outputs[0]?.shape ?? []).slice(1);
  if (full.inputs.length !== 1 || !sameShape(input, info.inputShape)) {
    throw new UserError(`${modelName} takes ${shapeText(input)}, not the ${shapeText(info.inputShape)} images this featurizer is for`);
  }
  if (full.outputs.length !== 1 || size(output) !== info.classes) {
    throw new UserError(`${modelName} gives ${shapeText(output)}, not ${info.classes} class scores`);
  }
}

function size(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((product, d) => product * (d ?? Number.NaN), 1);
}

function sameShape(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => d ?? '?').join(', ')}]`;
}
