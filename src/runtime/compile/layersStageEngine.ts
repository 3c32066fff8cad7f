/**
 * The engine of a `tensorflow` or `classifier` stage whose TensorFlow.js model travels in
 * the zip. A layers model made of the layer kinds the converter supports is compiled to
 * ONNX (fp32: these are the user's own small models) and cached like featurizers; a graph
 * model, or a layer the converter does not take, runs on TensorFlow.js, and the stage's
 * note says why.
 */
import * as tf from '@tensorflow/tfjs';
import { sha256Hex } from '../../common/hash';
import { UserError } from '../../common/errors';
import type { ModelDef } from '../../pipeline/modelDefReader';
import type { ClassifierServiceStage, TensorflowServiceStage } from '../../pipeline/serviceDef';
import { onnxStage } from '../engines/onnxStage';
import type { StageEngine } from '../engines/stageEngine';
import { tfjsStage } from '../engines/tfjsStage';
import { CONVERTER_VERSION, UnsupportedLayerError, convertLayersModel, encodeOnnxModel } from '../onnx';
import { StageModel, memoryHandler, readArtifacts, zipSource } from '../tfjsFiles';
import { cacheKey, cachedCompile } from './compiledCache';
import { onnxRuntimeProblem } from './onnxAvailability';
import type { StageContext } from './stageContext';

type ModelStage = TensorflowServiceStage | Extract<ClassifierServiceStage, { model_path: string }>;

export async function layersStageEngine(stage: ModelStage, modelDef: ModelDef, context: StageContext): Promise<StageEngine> {
  const source = zipSource(modelDef.files, stage.model_path);
  const outputShape = stage.type === 'classifier' ? [stage.classes] : stage.output_shape;
  if (context.engine === 'tfjs') return tfjsModelStage(stage, modelDef, context, outputShape);
  const unavailable = onnxRuntimeProblem();
  if (unavailable !== undefined) {
    if (context.engine === 'onnx') throw new UserError(`ONNX Runtime cannot run here: ${unavailable}; use --engine tfjs`);
    return tfjsModelStage(stage, modelDef, context, outputShape, `ONNX Runtime cannot run here (${unavailable})`);
  }
  const { format, artifacts } = await readArtifacts(source);
  if (format === 'graph-model') {
    return tfjsModelStage(stage, modelDef, context, outputShape, `${stage.model_path} is a TensorFlow.js graph model, which is not compiled to ONNX; this stage runs on TensorFlow.js`);
  }
  const key = cacheKey({ converter: CONVERTER_VERSION, stage: stage.type, files: stageFileHashes(modelDef, stage.model_path), output: stage.output_tensor, precision: 'fp32' });
  let outcome;
  try {
    outcome = await cachedCompile(context.cacheFolder, key, ['stage'], async () => {
      await context.tfjsBackend();
      const model = await tf.loadLayersModel(memoryHandler(artifacts)).catch((error: unknown) => {
        throw new UserError(`cannot load the TensorFlow.js model ${stage.model_path}: ${error instanceof Error ? error.message : String(error)}`);
      });
      try {
        const to = outputLayer(model, stage);
        const graph = convertLayersModel(model, { ...(to !== undefined ? { to } : {}), graphName: stage.name });
        return { stage: encodeOnnxModel(graph, { 'fpga.stage': stage.name, 'fpga.precision': 'fp32' }) };
      } finally {
        model.dispose();
      }
    });
  } catch (error) {
    if (!(error instanceof UnsupportedLayerError)) throw error;
    return tfjsModelStage(stage, modelDef, context, outputShape, `${error.message}; this stage runs on TensorFlow.js`);
  }
  return onnxStage({
    bytes: outcome.parts.stage as Uint8Array,
    precision: 'fp32',
    inputShape: stage.input_shape,
    outputShape,
    threads: context.threads,
    ...(outcome.unwritable !== undefined ? { note: outcome.unwritable } : {}),
  });
}

async function tfjsModelStage(stage: ModelStage, modelDef: ModelDef, context: StageContext, outputShape: readonly number[], note?: string): Promise<StageEngine> {
  const backend = await context.tfjsBackend();
  const model = await StageModel.load(zipSource(modelDef.files, stage.model_path), stage.input_tensor, stage.output_tensor);
  return tfjsStage({
    name: stage.name,
    backend,
    precision: 'fp32',
    inputShape: stage.input_shape,
    outputShape,
    predict: (x) => model.predict(x),
    dispose: () => model.dispose(),
    ...(note !== undefined ? { note } : {}),
  });
}

/** The model.json entry and every entry beside it (its shards): what the compiled model depends on. */
function stageFileHashes(modelDef: ModelDef, modelPath: string): string[] {
  const folder = modelPath.includes('/') ? modelPath.slice(0, modelPath.lastIndexOf('/') + 1) : '';
  return [...modelDef.files.entries()]
    .filter(([entry]) => entry === modelPath || (entry.startsWith(folder) && !entry.slice(folder.length).includes('/')))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([entry, data]) => `${entry}:${sha256Hex(data)}`);
}

/** With several outputs, the one `output_tensor` names (as StageModel picks it); undefined for the model's only output. */
function outputLayer(model: tf.LayersModel, stage: ModelStage): string | undefined {
  if (model.outputs.length === 1) return undefined;
  const wanted = stage.output_tensor.replace(/:0$/, '');
  const layer = model.outputLayers.find((candidate) => candidate.name === wanted || candidate.name === wanted.split('/')[0]);
  if (!layer) throw new UserError(`${stage.model_path} has no output "${stage.output_tensor}"; its outputs are ${model.outputLayers.map((l) => `"${l.name}"`).join(', ')}`);
  return layer.name;
}
