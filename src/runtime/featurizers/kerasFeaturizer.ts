/**
 * The large featurizers (ResNet 50/152, DenseNet-121, VGG-16): a Keras application built in
 * code, with Keras's layer names, filled either with real weights from
 * `<store>/<name>/model.json` (loaded by layer name: only the weights manifest of that file
 * is used, never its topology) or, where the store has none, with seeded generated weights
 * (`synthetic: true`: the real cost, meaningless classes).
 *
 * Building the architecture ourselves, rather than deserializing the converted topology,
 * keeps one code path for both sources, accepts files converted by any Keras version (whose
 * topology JSON tfjs may not read) and makes a wrong file fail naming the layer.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors';
import { findFeaturizer } from '../../pipeline/featurizers';
import type { KerasModelName } from '../modelStore';
import { kerasModelFolder, storeHint } from '../modelStore';
import { folderSource } from '../tfjsFiles';
import type { FeaturizerLoadOptions, LoadedFeaturizer } from './featurizer';
import { finishFeaturizer } from './featurizer';
import { DEFAULT_SEED } from './generatedWeights';
import { loadWeightsByName, readNamedWeights } from './weightsByName';

export interface KerasArchitecture {
  /** Catalog name, also the store folder's name. */
  readonly name: KerasModelName;
  /** The Keras function it follows, for messages (e.g. `ResNet152`). */
  readonly kerasName: string;
  /** The layer whose output is the featurizer's output. */
  readonly featureLayer: string;
  /** The architecture with zero weights (cheap to build: zeros are not generated). */
  build(): tf.LayersModel;
  /** Fills a built model with generated weights for `seed`. */
  generate(model: tf.LayersModel, seed: number): void;
  /** See LoadByNameOptions.alternativeLayerNames. */
  alternativeLayerNames?: (layerName: string) => string[];
}

export async function loadKerasFeaturizer(architecture: KerasArchitecture, options: FeaturizerLoadOptions): Promise<LoadedFeaturizer> {
  const info = findFeaturizer(architecture.name);
  if (!info) throw new Error(`${architecture.name} is missing from the featurizer catalog`);
  const folder = kerasModelFolder(options.modelStore, architecture.name);
  const modelJson = join(folder, 'model.json');
  const real = !options.syntheticWeights && existsSync(modelJson);
  const full = architecture.build();
  try {
    if (real) await loadStoreWeights(architecture, full, folder, info.displayName);
    else architecture.generate(full, options.seed ?? DEFAULT_SEED);
  } catch (error) {
    full.dispose();
    throw error;
  }
  return finishFeaturizer(full, info, {
    featureLayer: architecture.featureLayer,
    precision: options.precision,
    synthetic: !real,
    modelName: `${info.displayName} (${real ? modelJson : 'generated weights'})`,
  });
}

async function loadStoreWeights(architecture: KerasArchitecture, model: tf.LayersModel, folder: string, displayName: string): Promise<void> {
  const modelJson = join(folder, 'model.json');
  const advice = `place Keras ${architecture.kerasName}(include_top=True) converted to TensorFlow.js (model.json and every weight file it lists) in ${folder}, or remove model.json there to run on generated weights; ${storeHint()}`;
  const missing = (path: string): UserError => new UserError(`${displayName} weights in the model store are incomplete: ${path} is missing. ${capitalize(advice)}`);
  const named = await readNamedWeights(folderSource(folder, missing));
  try {
    const { unused } = loadWeightsByName(model, named, { source: modelJson, ...(architecture.alternativeLayerNames ? { alternativeLayerNames: architecture.alternativeLayerNames } : {}) });
    // Extra tensors mean another model (e.g. a larger variant), not a harmless surplus.
    if (unused.length > 0) {
      throw new UserError(`${modelJson} has weights no layer takes (${unused.slice(0, 3).map((n) => `"${n}"`).join(', ')}${unused.length > 3 ? `, and ${unused.length - 3} more` : ''})`);
    }
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`${displayName} weights in the model store are not Keras ${architecture.kerasName}'s: ${error.message}. ${capitalize(advice)}`);
    throw error;
  } finally {
    tf.dispose(named);
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
