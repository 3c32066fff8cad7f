/**
 * The runtime side of the featurizer catalog: which catalog entries (src/pipeline/featurizers.ts)
 * this version can run, and how their weights are obtained.
 */
import { UserError } from '../../common/errors';
import { FEATURIZERS, findFeaturizer } from '../../pipeline/featurizers';
import { initBackend } from '../backend';
import type { FeaturizerLoadOptions, FeaturizerSource, LoadedFeaturizer } from './featurizer';
import { finishFeaturizer } from './featurizer';
import { DENSENET121 } from './densenet121';
import type { KerasArchitecture } from './kerasFeaturizer';
import { kerasFeaturizerSource } from './kerasFeaturizer';
import { isMobilenet } from '../../pipeline/featurizers';
import { mobilenetSource } from './mobilenet';
import { resnetV1 } from './resnetV1';
import { VGG16 } from './vgg16';

export type { FeaturizerLoadOptions, FeaturizerSource, LoadedFeaturizer } from './featurizer';

/**
 * The featurizers built in code (real weights from the store by layer name, else generated
 * ones); MobileNets run the store's own TensorFlow.js models (mobilenet.ts).
 */
const KERAS_ARCHITECTURES: ReadonlyMap<string, KerasArchitecture> = new Map(
  [resnetV1(50), resnetV1(152), DENSENET121, VGG16].map((architecture) => [architecture.name, architecture]),
);

/** Catalog names with a runtime in this version. */
export const RUNNABLE_FEATURIZERS: readonly string[] = FEATURIZERS.map((f) => f.name).filter((name) => isMobilenet(name) || KERAS_ARCHITECTURES.has(name));

export function hasRuntime(name: string): boolean {
  return RUNNABLE_FEATURIZERS.includes(name);
}

/**
 * Finds a featurizer by the accelerated stage's `model_ref` and `model_version`, without
 * loading anything: its source says what it is and loads it when asked.
 */
export function featurizerSource(modelRef: string, modelVersion: string, options: FeaturizerLoadOptions): FeaturizerSource {
  const info = findFeaturizer(modelRef);
  if (!info) {
    throw new UserError(`unknown featurizer "${modelRef}": the catalog has ${FEATURIZERS.map((f) => f.name).join(', ')}`);
  }
  if (!info.versions.includes(modelVersion)) {
    throw new UserError(`featurizer ${modelRef} has no version "${modelVersion}"; available: ${info.versions.join(', ')}`);
  }
  if (!hasRuntime(modelRef)) {
    throw new UserError(`featurizer ${modelRef} cannot run in this version of the runtime yet; it runs ${RUNNABLE_FEATURIZERS.join(', ')}`);
  }
  const architecture = KERAS_ARCHITECTURES.get(modelRef);
  return architecture ? kerasFeaturizerSource(architecture, options) : mobilenetSource(info, options);
}

/**
 * Loads a featurizer on TensorFlow.js, starting the backend first if needed. The models are
 * the caller's to dispose (LoadedFeaturizer.dispose).
 */
export async function loadFeaturizer(modelRef: string, modelVersion: string, options: FeaturizerLoadOptions): Promise<LoadedFeaturizer> {
  const source = featurizerSource(modelRef, modelVersion, options);
  await initBackend(options.backend ?? 'auto');
  return finishFeaturizer(await source.load(), source.info, {
    featureLayer: source.featureLayer,
    precision: options.precision,
    synthetic: source.synthetic,
    modelName: source.modelName,
  });
}
