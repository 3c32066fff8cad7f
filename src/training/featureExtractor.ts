/**
 * Features of dataset images, computed by a catalog featurizer on the engines that serve it
 * (ONNX Runtime fp32 or true int8 where it compiles, else TensorFlow.js: the same
 * `featurizerEngines` a deployed pipeline loads), so the classifier is trained on exactly
 * the features it will see in service. Each image's features are cached (featureCache.ts)
 * under an identity that covers everything they depend on.
 */
import { readFile } from 'node:fs/promises';
import { UserError, messageOf } from '../common/errors';
import { sha256Hex } from '../common/hash';
import { stableStringify } from '../common/stableJson';
import { DEFAULT_FEATURIZER_VERSION, FEATURIZERS, findFeaturizer } from '../pipeline/featurizers';
import type { FeaturizerInfo } from '../pipeline/featurizers';
import type { BrainwaveServiceStage, PreprocessServiceStage } from '../pipeline/serviceDef';
import type { Precision } from '../pipeline/types';
import { calibrationSource } from '../runtime/compile/calibration';
import { filesIdentity } from '../runtime/compile/compiledCache';
import { featurizerEngines } from '../runtime/compile/featurizerEngines';
import { cpuFlags } from '../runtime/cpuFeatures';
import { elementCount } from '../runtime/engines/stageEngine';
import type { EnginePreference, StageEngine, StageEngineInfo } from '../runtime/engines/stageEngine';
import { featurizerSource } from '../runtime/featurizers';
import { decodeImage } from '../runtime/image/decode';
import { preprocessPixels } from '../runtime/image/preprocess';
import { stageContext } from '../runtime/loadPipeline';
import { chooseQuantizationScheme } from '../runtime/onnx';
import type { Variant } from './augment';
import { applyVariant } from './augment';
import { FeatureCache, featureCacheFolder } from './featureCache';

/** Bump when the way features are computed here changes: it is part of every cache identity. */
const FEATURE_REVISION = 1;
/** Images per featurizer call: large enough to use the engine well, small enough to cancel promptly. */
const BATCH = 8;

export interface FeaturizerSetup {
  featurizer: string;
  precision: Precision;
  modelStore: string;
  engine?: EnginePreference;
  threads?: number;
  calibration?: string;
  compileCache?: string;
  featureCache?: string;
  /** Generated weights even where real ones exist (tests of the large featurizers). */
  syntheticWeights?: boolean;
}

/** One image (by its dataset entry) in one variant. */
export interface FeatureRequest {
  path: string;
  sha256: string;
  variant: Variant;
}

export interface ExtractionProgress {
  done: number;
  total: number;
  computed: number;
  cached: number;
}

export interface ExtractedFeatures {
  /** In request order, each of `featureSize` values. */
  features: Float32Array[];
  computed: number;
  cached: number;
}

export interface Featurizer {
  readonly info: FeaturizerInfo;
  readonly version: string;
  readonly precision: Precision;
  readonly preprocess: PreprocessServiceStage;
  /** Features per image, flattened. */
  readonly featureSize: number;
  readonly engine: StageEngineInfo;
  readonly synthetic: boolean;
  /** SHA-256 naming the cache folder of this setup. */
  readonly identity: string;
  /** Why features are not cached, if they cannot be. */
  cacheProblem(): string | undefined;
  extract(requests: readonly FeatureRequest[], options?: { signal?: AbortSignal; onProgress?: (progress: ExtractionProgress) => void }): Promise<ExtractedFeatures>;
  dispose(): Promise<void>;
}

export function findCatalogFeaturizer(name: string): FeaturizerInfo {
  const info = findFeaturizer(name);
  if (!info) throw new UserError(`unknown featurizer "${name}": choose one of ${FEATURIZERS.map((f) => f.name).join(', ')}`);
  return info;
}

/** The preprocess stage the featurizer's conventional pre-processing packages into. */
export function conventionalServicePreprocess(info: FeaturizerInfo): PreprocessServiceStage {
  const p = info.preprocess;
  return {
    type: 'preprocess',
    name: 'preprocess',
    resize: p.resize,
    interpolation: 'bilinear',
    ...(p.centerCrop ? { center_crop: p.centerCrop } : {}),
    channel_order: p.channelOrder,
    mean: p.mean,
    std: p.std,
    scale: 1,
  };
}

export async function openFeaturizer(setup: FeaturizerSetup): Promise<Featurizer> {
  const info = findCatalogFeaturizer(setup.featurizer);
  const version = info.versions.includes(DEFAULT_FEATURIZER_VERSION) ? DEFAULT_FEATURIZER_VERSION : (info.versions[0] ?? DEFAULT_FEATURIZER_VERSION);
  const preprocess = conventionalServicePreprocess(info);
  const stage: BrainwaveServiceStage = {
    type: 'brainwave',
    name: 'featurizer',
    model_ref: info.name,
    model_version: version,
    input_tensor_dims: [...info.inputShape],
    output_tensor_dims: [...info.featureShape],
    precision: setup.precision,
  };
  const context = stageContext({
    modelStore: setup.modelStore,
    ...(setup.engine !== undefined ? { engine: setup.engine } : {}),
    ...(setup.threads !== undefined ? { threads: setup.threads } : {}),
    ...(setup.calibration !== undefined ? { calibration: setup.calibration } : {}),
    ...(setup.compileCache !== undefined ? { compileCache: setup.compileCache } : {}),
    ...(setup.syntheticWeights ? { syntheticWeights: true } : {}),
  });
  const engines = await featurizerEngines(stage, preprocess, context);
  // Only the featurizer is needed: the default ImageNet head is what training replaces.
  await engines.classifier.dispose();
  const engine = engines.featurizer;
  try {
    const source = featurizerSource(info.name, version, { modelStore: setup.modelStore, precision: setup.precision, syntheticWeights: setup.syntheticWeights ?? false });
    const weights = 'files' in source.weightsIdentity ? { files: await filesIdentity(source.weightsIdentity.files) } : source.weightsIdentity;
    const onOnnxInt8 = engine.engine === 'onnxruntime' && setup.precision === 'int8';
    const identity = sha256Hex(
      Buffer.from(
        stableStringify({
          revision: FEATURE_REVISION,
          featurizer: info.name,
          version,
          weights,
          precision: setup.precision,
          engine: engine.engine,
          scheme: onOnnxInt8 ? chooseQuantizationScheme(cpuFlags()) : null,
          calibration: onOnnxInt8 ? calibrationSource(context.calibrationFolder, preprocess).digest : null,
          preprocess,
        }),
      ),
    );
    const featureSize = elementCount(info.featureShape);
    const cache = new FeatureCache(featureCacheFolder(setup.featureCache), identity, featureSize);
    return {
      info,
      version,
      precision: setup.precision,
      preprocess,
      featureSize,
      engine: { engine: engine.engine, precision: engine.precision, ...(engine.note !== undefined ? { note: engine.note } : {}) },
      synthetic: engines.synthetic,
      identity,
      cacheProblem: () => cache.unwritable,
      extract: (requests, options) => extract(requests, { engine, cache, preprocess, featureSize, ...options }),
      dispose: () => engine.dispose(),
    };
  } catch (error) {
    await engine.dispose();
    throw error;
  }
}

interface ExtractContext {
  engine: StageEngine;
  cache: FeatureCache;
  preprocess: PreprocessServiceStage;
  featureSize: number;
  signal?: AbortSignal;
  onProgress?: (progress: ExtractionProgress) => void;
}

async function extract(requests: readonly FeatureRequest[], context: ExtractContext): Promise<ExtractedFeatures> {
  const features: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(requests.length);
  const missing: number[] = [];
  for (const [i, request] of requests.entries()) {
    const cached = await context.cache.get(request.sha256, request.variant.id);
    if (cached) features[i] = cached;
    else missing.push(i);
  }
  const cached = requests.length - missing.length;
  let computed = 0;
  const report = (): void => context.onProgress?.({ done: cached + computed, total: requests.length, computed, cached });
  report();
  for (let start = 0; start < missing.length; start += BATCH) {
    context.signal?.throwIfAborted();
    const batch = missing.slice(start, start + BATCH);
    const input = new Float32Array(batch.length * elementCount(context.engine.inputShape));
    for (const [j, index] of batch.entries()) {
      const request = requests[index] as FeatureRequest;
      input.set(await preparedImage(request, context.preprocess), j * (input.length / batch.length));
    }
    const output = await context.engine.run(input, batch.length);
    for (const [j, index] of batch.entries()) {
      const row = output.slice(j * context.featureSize, (j + 1) * context.featureSize);
      const request = requests[index] as FeatureRequest;
      await context.cache.put(request.sha256, request.variant.id, row);
      features[index] = row;
    }
    computed += batch.length;
    report();
  }
  return { features: features as Float32Array[], computed, cached };
}

/** Decode (shrinking a large JPEG on load, as the service does), augment, pre-process. */
async function preparedImage(request: FeatureRequest, preprocess: PreprocessServiceStage): Promise<Float32Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(request.path);
  } catch (error) {
    throw new UserError(`cannot read ${request.path} (${(error as NodeJS.ErrnoException).code ?? messageOf(error)}): was it moved or deleted during training?`);
  }
  if (sha256Hex(bytes) !== request.sha256) throw new UserError(`${request.path} changed during training: run it again`);
  const decoded = await decodeImage(bytes, undefined, preprocess.resize);
  return preprocessPixels(applyVariant(decoded, request.variant), preprocess).data;
}
