/**
 * The engines of an accelerated stage and of the default classifier that follows it, both
 * from one catalog featurizer. On ONNX Runtime the Keras model is compiled once into two
 * ONNX models — the featurizer (fp32, or QDQ int8 calibrated on images) and its default
 * classifier (always fp32, as the original service ran it on the host) — and cached; on
 * TensorFlow.js it runs as before (int8 there is fake-quantized weights: see quantize.ts).
 */
import { UserError } from '../../common/errors';
import type { BrainwaveServiceStage, PreprocessServiceStage } from '../../pipeline/serviceDef';
import { cpuFlags } from '../cpuFeatures';
import { onnxStage } from '../engines/onnxStage';
import type { StageEngine } from '../engines/stageEngine';
import { tfjsStage } from '../engines/tfjsStage';
import { featurizerSource, loadFeaturizer } from '../featurizers';
import type { FeaturizerSource } from '../featurizers';
import { CONVERTER_VERSION, UnsupportedLayerError, chooseQuantizationScheme, convertLayersModel, encodeOnnxModel, quantizeStatic } from '../onnx';
import type { QuantizationScheme } from '../onnx';
import { calibrationSource } from './calibration';
import { cacheKey, cachedCompile, filesIdentity } from './compiledCache';
import { onnxRuntimeProblem } from './onnxAvailability';
import type { StageContext } from './stageContext';

export interface FeaturizerEngines {
  featurizer: StageEngine;
  /** The default ImageNet classifier of the same model. */
  classifier: StageEngine;
  synthetic: boolean;
}

export async function featurizerEngines(stage: BrainwaveServiceStage, preprocess: PreprocessServiceStage, context: StageContext): Promise<FeaturizerEngines> {
  const precision = context.precision ?? stage.precision;
  const options = { modelStore: context.modelStore, precision, syntheticWeights: context.syntheticWeights, ...(context.seed !== undefined ? { seed: context.seed } : {}) };
  const source = featurizerSource(stage.model_ref, stage.model_version, options);
  if (context.engine === 'tfjs') return tfjsEngines(stage, source, context, precision);
  const unavailable = onnxRuntimeProblem();
  if (unavailable !== undefined) {
    if (context.engine === 'onnx') throw new UserError(`ONNX Runtime cannot run here: ${unavailable}; use --engine tfjs`);
    return tfjsEngines(stage, source, context, precision, `ONNX Runtime cannot run here (${unavailable})`);
  }
  try {
    return await onnxEngines(stage, source, preprocess, context, precision);
  } catch (error) {
    if (!(error instanceof UnsupportedLayerError)) throw error;
    return tfjsEngines(stage, source, context, precision, `${error.message}; this stage runs on TensorFlow.js`);
  }
}

async function tfjsEngines(stage: BrainwaveServiceStage, source: FeaturizerSource, context: StageContext, precision: BrainwaveServiceStage['precision'], note?: string): Promise<FeaturizerEngines> {
  const backend = await context.tfjsBackend();
  const loaded = await loadFeaturizer(stage.model_ref, stage.model_version, {
    modelStore: context.modelStore,
    precision,
    syntheticWeights: context.syntheticWeights,
    backend: context.backendPreference,
    ...(context.seed !== undefined ? { seed: context.seed } : {}),
  });
  // Both engines share the featurizer's models: they are freed once neither engine is in use.
  let users = 2;
  const dispose = (): void => {
    users--;
    if (users === 0) loaded.dispose();
  };
  const common = { backend, ...(note !== undefined ? { note } : {}), dispose };
  return {
    featurizer: tfjsStage({ ...common, name: stage.name, precision, inputShape: loaded.inputShape, outputShape: loaded.featureShape, predict: (x) => loaded.featurize(x) }),
    classifier: tfjsStage({ ...common, name: 'classifier', precision: 'fp32', inputShape: loaded.featureShape, outputShape: [loaded.classes], predict: (x) => loaded.classify(x) }),
    synthetic: source.synthetic,
  };
}

async function onnxEngines(stage: BrainwaveServiceStage, source: FeaturizerSource, preprocess: PreprocessServiceStage, context: StageContext, precision: BrainwaveServiceStage['precision']): Promise<FeaturizerEngines> {
  const { info } = source;
  const scheme = precision === 'int8' ? chooseQuantizationScheme(cpuFlags()) : undefined;
  const calibration = scheme ? calibrationSource(context.calibrationFolder, preprocess) : undefined;
  const identity = 'files' in source.weightsIdentity ? { files: await weightFilesIdentity(source, source.weightsIdentity.files, context) } : source.weightsIdentity;
  const key = cacheKey({
    converter: CONVERTER_VERSION,
    featurizer: info.name,
    version: stage.model_version,
    weights: identity,
    precision,
    scheme: scheme ?? null,
    calibration: calibration?.digest ?? null,
  });
  const metadata = {
    'fpga.featurizer': `${info.name}:${stage.model_version}`,
    'fpga.precision': precision,
    'fpga.weights': source.synthetic ? 'generated' : 'store',
    ...(scheme ? quantizationMetadata(scheme, calibration?.source ?? '') : {}),
  };
  const outcome = await cachedCompile(context.cacheFolder, key, ['featurizer', 'classifier'], async () => {
    // The Keras model is built (or read) with TensorFlow.js before it is converted.
    await context.tfjsBackend();
    const model = await source.load();
    try {
      const body = convertLayersModel(model, { to: source.featureLayer, outputShape: info.featureShape, graphName: `${info.name}-featurizer` });
      const head = convertLayersModel(model, { from: source.featureLayer, inputShape: info.featureShape, graphName: `${info.name}-classifier` });
      const featurizer = scheme && calibration ? (await quantizeStatic(body, await calibration.load(), { inputShape: info.inputShape, scheme, threads: context.threads })).graph : body;
      return { featurizer: encodeOnnxModel(featurizer, metadata), classifier: encodeOnnxModel(head, { ...metadata, 'fpga.precision': 'fp32' }) };
    } finally {
      model.dispose();
    }
  });
  const cacheNote = outcome.unwritable;
  const quantNote = scheme ? `${scheme.activations} activations × int8 weights per channel${scheme.reduceRange ? ' (7-bit)' : ''}, calibrated on ${calibration?.source ?? ''}` : undefined;
  const note = [quantNote, cacheNote].filter((part) => part !== undefined).join('; ');
  const featurizer = await onnxStage({
    bytes: outcome.parts.featurizer as Uint8Array,
    precision,
    inputShape: info.inputShape,
    outputShape: info.featureShape,
    threads: context.threads,
    ...(note !== '' ? { note } : {}),
  });
  try {
    const classifier = await onnxStage({ bytes: outcome.parts.classifier as Uint8Array, precision: 'fp32', inputShape: info.featureShape, outputShape: [info.classes], threads: context.threads });
    return { featurizer, classifier, synthetic: source.synthetic };
  } catch (error) {
    await featurizer.dispose();
    throw error;
  }
}

/**
 * The store files' hashes. A missing or unreadable file is reported the way loading reports
 * it (which file, what to place where), so loading is what tells.
 */
async function weightFilesIdentity(source: FeaturizerSource, files: readonly string[], context: StageContext): Promise<string[]> {
  try {
    return await filesIdentity(files);
  } catch (error) {
    await context.tfjsBackend();
    (await source.load()).dispose();
    throw error;
  }
}

function quantizationMetadata(scheme: QuantizationScheme, calibration: string): Record<string, string> {
  return {
    'fpga.quantization': 'qdq-static',
    'fpga.activations': scheme.activations,
    'fpga.weights_type': scheme.weights,
    'fpga.reduce_range': String(scheme.reduceRange),
    'fpga.scheme_reason': scheme.reason,
    'fpga.calibration': calibration,
  };
}
