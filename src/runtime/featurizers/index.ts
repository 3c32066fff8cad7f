/**
 * The runtime side of the featurizer catalog: which catalog entries (src/pipeline/featurizers.ts)
 * this version can run, and how their weights are obtained.
 */
import { UserError } from '../../common/errors';
import { FEATURIZERS, findFeaturizer } from '../../pipeline/featurizers';
import { initBackend } from '../backend';
import type { FeaturizerLoadOptions, LoadedFeaturizer } from './featurizer';
import { isMobilenet, loadMobilenet } from './mobilenet';
import { RESNET50, loadResnet50 } from './resnet50';

export type { FeaturizerLoadOptions, LoadedFeaturizer } from './featurizer';

/** Catalog names with a runtime in this version. */
export const RUNNABLE_FEATURIZERS: readonly string[] = FEATURIZERS.map((f) => f.name).filter((name) => isMobilenet(name) || name === RESNET50);

export function hasRuntime(name: string): boolean {
  return RUNNABLE_FEATURIZERS.includes(name);
}

/**
 * Loads a featurizer by the accelerated stage's `model_ref` and `model_version`, starting
 * the backend first if needed. The models are the caller's to dispose (LoadedFeaturizer.dispose).
 */
export async function loadFeaturizer(modelRef: string, modelVersion: string, options: FeaturizerLoadOptions): Promise<LoadedFeaturizer> {
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
  await initBackend(options.backend ?? 'auto');
  return modelRef === RESNET50 ? loadResnet50(options) : loadMobilenet(info, options);
}
