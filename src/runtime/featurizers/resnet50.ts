/**
 * ResNet 50, the original accelerated featurizer: Keras `ResNet50(include_top=True)` built
 * in code (resnetV1.ts), on real weights when the store has `resnet50/model.json` (loaded by
 * Keras layer name) and on generated weights otherwise. 25,636,712 parameters with the
 * top; features = avg_pool as [1, 1, 2048].
 */
import type * as tf from '@tensorflow/tfjs';
import type { FeaturizerLoadOptions, LoadedFeaturizer } from './featurizer';
import { loadKerasFeaturizer } from './kerasFeaturizer';
import { buildResnetV1, resnetV1 } from './resnetV1';

export const RESNET50 = 'resnet50';

export function loadResnet50(options: FeaturizerLoadOptions): Promise<LoadedFeaturizer> {
  return loadKerasFeaturizer(resnetV1(50), options);
}

/** Keras ResNet50 with its top, on generated weights (see generatedWeights.ts). */
export function buildResnet50(options: { seed: number }): tf.LayersModel {
  return buildResnetV1(50, options);
}
