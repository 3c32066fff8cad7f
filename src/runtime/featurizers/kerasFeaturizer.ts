/**
 * The large featurizers (ResNet 50/152, DenseNet-121, VGG-16): a Keras application built in
 * code, with Keras's layer names, filled with real weights from the store when its folder
 * has them, else with seeded generated weights (`synthetic: true`: the real cost,
 * meaningless classes). Real weights come, by layer name, from the first of:
 *   1. `<store>/<name>/model.json`: a TensorFlow.js conversion (only its weights manifest is
 *      used, never its topology);
 *   2. `<store>/<name>/<official file>.h5`: the official Keras ImageNet HDF5 file, as Keras
 *      downloads it (kerasWeightFiles.ts), read by kerasH5.ts.
 * model.json wins because it is the one a user converted on purpose; the .h5 is what
 * `fpga featurizers pull` downloads.
 *
 * Building the architecture ourselves, rather than deserializing the converted topology,
 * keeps one code path for every source, accepts files saved by any Keras version (whose
 * topology JSON tfjs may not read) and makes a wrong file fail naming the layer.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../../common/errors';
import { findFeaturizer } from '../../pipeline/featurizers';
import type { KerasModelName } from '../modelStore';
import { kerasModelFolder, storeHint } from '../modelStore';
import { folderSource } from '../tfjsFiles';
import type { FeaturizerLoadOptions, FeaturizerSource, LoadedFeaturizer } from './featurizer';
import { finishFeaturizer } from './featurizer';
import { DEFAULT_SEED } from './generatedWeights';
import { readKerasH5Weights } from './kerasH5';
import { kerasWeightFile } from './kerasWeightFiles';
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

export function kerasFeaturizerSource(architecture: KerasArchitecture, options: FeaturizerLoadOptions): FeaturizerSource {
  const info = findFeaturizer(architecture.name);
  if (!info) throw new Error(`${architecture.name} is missing from the featurizer catalog`);
  const folder = kerasModelFolder(options.modelStore, architecture.name);
  const weights = options.syntheticWeights ? undefined : storeWeightsFile(folder, architecture.name);
  const seed = options.seed ?? DEFAULT_SEED;
  return {
    info,
    featureLayer: architecture.featureLayer,
    synthetic: weights === undefined,
    modelName: `${info.displayName} (${weights ? weights.path : 'generated weights'})`,
    weightsIdentity: weights ? { files: weightFiles(weights) } : { generatedSeed: seed },
    load: async () => {
      const full = architecture.build();
      try {
        if (weights) await loadStoreWeights(architecture, full, weights, info.displayName);
        else architecture.generate(full, seed);
      } catch (error) {
        full.dispose();
        throw error;
      }
      return full;
    },
  };
}

export async function loadKerasFeaturizer(architecture: KerasArchitecture, options: FeaturizerLoadOptions): Promise<LoadedFeaturizer> {
  const source = kerasFeaturizerSource(architecture, options);
  return finishFeaturizer(await source.load(), source.info, {
    featureLayer: source.featureLayer,
    precision: options.precision,
    synthetic: source.synthetic,
    modelName: source.modelName,
  });
}

/** The files a store weights file stands for: the .h5 alone, or model.json and the shards beside it. */
function weightFiles(weights: StoreWeightsFile): string[] {
  if (weights.kind === 'keras-h5') return [weights.path];
  const folder = dirname(weights.path);
  return [weights.path, ...readdirSync(folder).filter((file) => file !== 'model.json' && !file.endsWith('.h5') && !file.endsWith('.sha256')).sort().map((file) => join(folder, file))];
}

/** Where a featurizer's real weights are in the store, if anywhere. */
export interface StoreWeightsFile {
  readonly kind: 'model.json' | 'keras-h5';
  readonly path: string;
}

/** The store file that supplies real weights: model.json, else the official .h5, else none. */
export function storeWeightsFile(folder: string, name: KerasModelName): StoreWeightsFile | undefined {
  const modelJson = join(folder, 'model.json');
  if (existsSync(modelJson)) return { kind: 'model.json', path: modelJson };
  const h5 = join(folder, kerasWeightFile(name).fileName);
  if (existsSync(h5)) return { kind: 'keras-h5', path: h5 };
  return undefined;
}

async function loadStoreWeights(architecture: KerasArchitecture, model: tf.LayersModel, weights: StoreWeightsFile, displayName: string): Promise<void> {
  const folder = dirname(weights.path);
  const official = kerasWeightFile(architecture.name);
  const advice =
    weights.kind === 'model.json'
      ? `place Keras ${architecture.kerasName}(include_top=True) converted to TensorFlow.js (model.json and every weight file it lists) in ${folder}, or remove model.json there to use ${official.fileName} or generated weights; ${storeHint()}`
      : `place the official Keras file ${official.url} (MD5 ${official.md5}) as ${weights.path}, or remove it to run on generated weights; ${storeHint()}`;
  const missing = (path: string): UserError => new UserError(`${displayName} weights in the model store are incomplete: ${path} is missing. ${capitalize(advice)}`);
  let named: tf.NamedTensorMap;
  try {
    named = weights.kind === 'model.json' ? await readNamedWeights(folderSource(folder, missing)) : Object.fromEntries(await readKerasH5Weights(weights.path));
  } catch (error) {
    if (error instanceof UserError && weights.kind === 'keras-h5') throw new UserError(`${displayName} weights in the model store cannot be read: ${error.message}. ${capitalize(advice)}`);
    throw error;
  }
  try {
    const { unused } = loadWeightsByName(model, named, { source: weights.path, ...(architecture.alternativeLayerNames ? { alternativeLayerNames: architecture.alternativeLayerNames } : {}) });
    // Extra tensors mean another model (e.g. a larger variant), not a harmless surplus.
    if (unused.length > 0) {
      throw new UserError(`${weights.path} has weights no layer takes (${unused.slice(0, 3).map((n) => `"${n}"`).join(', ')}${unused.length > 3 ? `, and ${unused.length - 3} more` : ''})`);
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
