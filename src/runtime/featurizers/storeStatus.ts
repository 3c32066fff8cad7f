/**
 * What the model store holds for each featurizer of the catalog, without building any model:
 * which weight files are there, whether the featurizer would run on real, generated or no
 * weights, and the hashes recorded for its files (`<folder>/weights.sha256`).
 *
 * Parameter counts are a table rather than `countParams()` of a built model: building VGG-16
 * alone allocates 138M floats, far too slow for `fpga featurizers list`. The architectures
 * test checks the table's figures against the models built in code.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { didYouMean } from '../../common/didYouMean';
import { UserError } from '../../common/errors';
import type { FeaturizerInfo } from '../../pipeline/featurizers';
import { FEATURIZERS, findFeaturizer } from '../../pipeline/featurizers';
import type { KerasModelName } from '../modelStore';
import { kerasModelFolder, mobilenetFolder } from '../modelStore';
import type { KerasWeightFile } from './kerasWeightFiles';
import { KERAS_WEIGHT_FILES } from './kerasWeightFiles';
import { isMobilenet } from '../../pipeline/featurizers';

/** Keras's published `count_params()` of each application with its ImageNet top. */
export const FEATURIZER_PARAMETERS: Readonly<Record<string, number>> = {
  resnet50: 25_636_712,
  resnet152: 60_419_944,
  densenet121: 8_062_504,
  vgg16: 138_357_544,
  'mobilenet_v1_0.25': 475_544,
  'mobilenet_v1_0.5': 1_342_536,
  'mobilenet_v1_0.75': 2_601_976,
  'mobilenet_v1_1.0': 4_253_864,
};

/** File (in a featurizer's store folder) listing the SHA-256 of its weight files, `sha256sum` style. */
export const SHA256_FILE = 'weights.sha256';

/**
 * present: real weights in the store; synthetic: none, but the featurizer runs on generated
 * weights; missing: none and no generated fallback (MobileNet runs only its real weights).
 */
export type WeightsState = 'present' | 'missing' | 'synthetic';

export interface FeaturizerStoreStatus {
  name: string;
  version: string;
  params: number;
  feature_shape: number[];
  weights: WeightsState;
}

const KERAS_NAMES: readonly string[] = KERAS_WEIGHT_FILES.map((file) => file.featurizer);

export function isKerasModelName(name: string): name is KerasModelName {
  return KERAS_NAMES.includes(name);
}

/** A catalog entry by name, or a UserError listing the catalog. */
export function catalogEntry(name: string): FeaturizerInfo {
  const info = findFeaturizer(name);
  if (!info) {
    const suggestion = didYouMean(name, FEATURIZERS.map((f) => f.name));
    throw new UserError(`unknown featurizer "${name}"${suggestion ? `${suggestion} The` : ': the'} catalog has ${FEATURIZERS.map((f) => f.name).join(', ')}`);
  }
  return info;
}

/** The store folder a featurizer's weights live in. */
export function featurizerFolder(store: string, name: string): string {
  if (isKerasModelName(name)) return kerasModelFolder(store, name);
  if (isMobilenet(name)) return mobilenetFolder(store, name);
  throw new UserError(`featurizer ${name} has no model store folder`);
}

/** The official Keras file of a featurizer built in code; undefined for MobileNet. */
export function officialWeightFile(name: string): KerasWeightFile | undefined {
  return KERAS_WEIGHT_FILES.find((file) => file.featurizer === name);
}

/**
 * The weight source the runtime would use, in its order of preference: `model.json` (with
 * its shards), else the official .h5 (Keras featurizers only); undefined when neither exists.
 */
export function storeWeightSource(store: string, name: string): { kind: 'tfjs' | 'h5'; path: string } | undefined {
  const folder = featurizerFolder(store, name);
  const modelJson = join(folder, 'model.json');
  if (existsSync(modelJson)) return { kind: 'tfjs', path: modelJson };
  const official = officialWeightFile(name);
  if (official && existsSync(join(folder, official.fileName))) return { kind: 'h5', path: join(folder, official.fileName) };
  return undefined;
}

export function weightsState(store: string, name: string): WeightsState {
  if (storeWeightSource(store, name)) return 'present';
  return isKerasModelName(name) ? 'synthetic' : 'missing';
}

export function featurizerStatus(store: string, info: FeaturizerInfo): FeaturizerStoreStatus {
  return {
    name: info.name,
    version: info.versions[info.versions.length - 1] ?? '1',
    params: FEATURIZER_PARAMETERS[info.name] ?? 0,
    feature_shape: [...info.featureShape],
    weights: weightsState(store, info.name),
  };
}

export function storeStatus(store: string): FeaturizerStoreStatus[] {
  return FEATURIZERS.map((info) => featurizerStatus(store, info));
}

/** MD5 and SHA-256 of a file in one streamed pass (weight files reach 500+ MB). */
export async function fileHashes(path: string): Promise<{ size: number; md5: string; sha256: string }> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    md5.update(chunk);
    sha256.update(chunk);
    size += chunk.length;
  }
  return { size, md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}

/** `<sha256>  <file name>` lines, as `sha256sum` writes and `sha256sum -c` reads them. */
export function formatSha256File(entries: readonly { file: string; sha256: string }[]): string {
  return entries.map((entry) => `${entry.sha256}  ${entry.file}\n`).join('');
}

/** The recorded hashes of a store folder; undefined when none were recorded. */
export async function readSha256File(folder: string): Promise<{ file: string; sha256: string }[] | undefined> {
  let text: string;
  try {
    text = await readFile(join(folder, SHA256_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const entries: { file: string; sha256: string }[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (!match?.[1] || !match[2]) throw new UserError(`${join(folder, SHA256_FILE)} has a line that is not "<sha256>  <file>": ${line.trim()}`);
    entries.push({ sha256: match[1], file: match[2] });
  }
  return entries;
}
