/**
 * MobileNet v1 (widths 0.25–1.0): Google's pretrained TensorFlow.js layers models (Keras
 * MobileNet with its top) from the model store. Split at `reshape_1`, the pooled features as
 * [1, 1, C]; the default classifier is the rest: dropout → conv_preds (1×1 conv to 1000) →
 * act_softmax → reshape_2.
 *
 * There are no generated weights for MobileNet: the real ones are small and available
 * offline, so `syntheticWeights` does not apply (and `synthetic` stays false).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors';
import type { FeaturizerInfo } from '../../pipeline/featurizers';
import { mobilenetFolder, storeHint } from '../modelStore';
import { folderSource, loadLayersModelFrom } from '../tfjsFiles';
import type { FeaturizerLoadOptions, FeaturizerSource } from './featurizer';

const FEATURE_LAYER = 'reshape_1';

export function mobilenetSource(info: FeaturizerInfo, options: FeaturizerLoadOptions): FeaturizerSource {
  const folder = mobilenetFolder(options.modelStore, info.name);
  const modelJson = join(folder, 'model.json');
  return {
    info,
    featureLayer: FEATURE_LAYER,
    synthetic: false,
    modelName: modelJson,
    weightsIdentity: { files: storeFiles(folder) },
    load: () => loadLayersModelFrom(folderSource(folder, (path) => missingWeights(info, folder, path))),
  };
}

/** model.json and its shards (a missing folder is reported by load, with what to place there). */
function storeFiles(folder: string): string[] {
  try {
    return readdirSync(folder).filter((file) => !file.endsWith('.sha256')).sort().map((file) => join(folder, file));
  } catch {
    return [join(folder, 'model.json')];
  }
}

function missingWeights(info: FeaturizerInfo, folder: string, path: string): UserError {
  const what = path === join(folder, 'model.json') ? `no ${info.displayName} weights in the model store` : `${info.displayName} weights in the model store are incomplete (${path} is missing)`;
  return new UserError(
    `${what}: place the TensorFlow.js layers model (model.json and every weight file it lists, as published for mobilenet_v1_${folderWidth(folder)}) in ${folder}; ${storeHint()}`,
  );
}

function folderWidth(folder: string): string {
  return folder.replace(/^.*mobilenet_v1_/, '');
}
