/**
 * TensorFlow.js models from a folder on disk (the model store) or from the files of a
 * model_def.zip, and running them by tensor name.
 *
 * Plain `@tensorflow/tfjs` cannot load `file://` URLs (only tfjs-node registers that
 * handler), so model.json and its shards are read here and handed to tfjs as in-memory
 * artifacts, which works the same on every backend.
 */
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../common/errors';

/** Where a model's files come from; paths are relative to the folder of model.json. */
export interface ModelFileSource {
  /** How messages name the model (a path on disk, or a zip entry). */
  readonly modelJsonName: string;
  readModelJson(): Promise<Uint8Array>;
  readWeights(relativePath: string): Promise<Uint8Array>;
}

/**
 * A model.json and its shards in a folder. `missing` builds the error for an absent file,
 * so the store can say which folder to fill and the zip reader which entry is gone.
 */
export function folderSource(folder: string, missing: (path: string) => UserError, modelJson = 'model.json'): ModelFileSource {
  const read = async (path: string): Promise<Uint8Array> => {
    try {
      return await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw missing(path);
      throw new UserError(`cannot read ${path}: ${code ?? String(error)}`);
    }
  };
  const modelJsonPath = join(folder, modelJson);
  return {
    modelJsonName: modelJsonPath,
    readModelJson: () => read(modelJsonPath),
    readWeights: (relativePath) => read(join(folder, relativePath)),
  };
}

/** A model.json entry of a model_def.zip; its shards are entries beside it. */
export function zipSource(files: ReadonlyMap<string, Buffer>, modelJsonEntry: string): ModelFileSource {
  const folder = posix.dirname(modelJsonEntry);
  const read = (entry: string): Promise<Uint8Array> => {
    const data = files.get(entry);
    // The zip reader already checked that referenced files exist; a shard the model.json
    // lists but the packager did not copy means the zip was built by something else.
    if (!data) return Promise.reject(new UserError(`model_def.zip has no entry "${entry}", which ${modelJsonEntry} needs: package the pipeline again`));
    return Promise.resolve(data);
  };
  return {
    modelJsonName: modelJsonEntry,
    readModelJson: () => read(modelJsonEntry),
    readWeights: (relativePath) => read(folder === '.' ? relativePath : posix.join(folder, relativePath)),
  };
}

export type ModelFormat = 'layers-model' | 'graph-model';

export interface LoadedArtifacts {
  format: ModelFormat;
  artifacts: tf.io.ModelArtifacts;
}

/** Reads model.json and every shard it lists, in manifest order (the order tfjs decodes in). */
export async function readArtifacts(source: ModelFileSource): Promise<LoadedArtifacts> {
  const json = parseModelJson(await source.readModelJson(), source.modelJsonName);
  const format = formatOf(json);
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const shards: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const path of group.paths) shards.push(ownedArrayBuffer(await source.readWeights(path)));
    }
    return [specs, shards];
  });
  return { format, artifacts };
}

/** An in-memory IOHandler for tf.loadLayersModel / tf.loadGraphModel. */
export function memoryHandler(artifacts: tf.io.ModelArtifacts): tf.io.IOHandler {
  return { load: () => Promise.resolve(artifacts) };
}

export async function loadLayersModelFrom(source: ModelFileSource): Promise<tf.LayersModel> {
  const { format, artifacts } = await readArtifacts(source);
  if (format !== 'layers-model') throw new UserError(`${source.modelJsonName} is a TensorFlow.js graph model; a layers model (Keras) is needed here`);
  return asUserError(source, () => tf.loadLayersModel(memoryHandler(artifacts)));
}

/**
 * A model of a `tensorflow` or `classifier` stage: one input tensor in, one named output
 * tensor out, whichever of the two TensorFlow.js formats it is in.
 *
 * - Graph models run exactly the named tensors (`input_tensor` fed, `output_tensor` fetched;
 *   a `:0` suffix is accepted), as the original TensorFlow stage did.
 * - Layers models have no stable tensor names (Keras and tfjs name inputs differently), so a
 *   model with one output runs as it is; with several, `output_tensor` picks one by output
 *   layer name (`dense` or `dense/Softmax` both select layer `dense`).
 */
export class StageModel {
  private constructor(
    private readonly run: (input: tf.Tensor) => tf.Tensor,
    private readonly model: tf.LayersModel | tf.GraphModel,
    readonly format: ModelFormat,
  ) {}

  static async load(source: ModelFileSource, inputTensor: string, outputTensor: string): Promise<StageModel> {
    const { format, artifacts } = await readArtifacts(source);
    if (format === 'graph-model') {
      const model = await asUserError(source, () => tf.loadGraphModel(memoryHandler(artifacts)));
      return new StageModel(graphRunner(model, source.modelJsonName, inputTensor, outputTensor), model, format);
    }
    const model = await asUserError(source, () => tf.loadLayersModel(memoryHandler(artifacts)));
    return new StageModel(layersRunner(model, source.modelJsonName, outputTensor), model, format);
  }

  /** Runs synchronously on the current backend; the caller owns (or tidies) the result. */
  predict(input: tf.Tensor): tf.Tensor {
    return this.run(input);
  }

  dispose(): void {
    this.model.dispose();
  }
}

function graphRunner(model: tf.GraphModel, name: string, inputTensor: string, outputTensor: string): (input: tf.Tensor) => tf.Tensor {
  const input = stripPort(inputTensor);
  if (!model.inputNodes.includes(input)) {
    throw new UserError(`${name} has no input tensor "${inputTensor}"; its inputs are ${model.inputNodes.map((n) => `"${n}"`).join(', ')}`);
  }
  const output = stripPort(outputTensor);
  return (x) => {
    const result = model.execute({ [input]: x }, output);
    return Array.isArray(result) ? (result[0] as tf.Tensor) : result;
  };
}

function layersRunner(model: tf.LayersModel, name: string, outputTensor: string): (input: tf.Tensor) => tf.Tensor {
  if (model.inputs.length !== 1) {
    throw new UserError(`${name} takes ${model.inputs.length} inputs; a pipeline stage feeds exactly one tensor`);
  }
  // apply() in inference mode runs the graph on the batch as it is; predict() would slice
  // and copy it into chunks of 32 first.
  const run = (x: tf.Tensor): tf.Tensor | tf.Tensor[] => model.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
  if (model.outputs.length === 1) return (x) => run(x) as tf.Tensor;
  const wanted = stripPort(outputTensor);
  const index = model.outputLayers.findIndex((layer, i) => layer.name === wanted || layer.name === wanted.split('/')[0] || model.outputs[i]?.name === wanted);
  if (index < 0) {
    throw new UserError(`${name} has no output "${outputTensor}"; its outputs are ${model.outputLayers.map((l) => `"${l.name}"`).join(', ')}`);
  }
  return (x) => (run(x) as tf.Tensor[])[index] as tf.Tensor;
}

function stripPort(tensorName: string): string {
  return tensorName.replace(/:0$/, '');
}

function parseModelJson(bytes: Uint8Array, name: string): tf.io.ModelJSON {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw new UserError(`${name} is not valid JSON: expected a TensorFlow.js model.json`);
  }
  const json = value as Partial<tf.io.ModelJSON> | null;
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || !Array.isArray(json.weightsManifest)) {
    throw new UserError(`${name} is not a TensorFlow.js model.json (no modelTopology or weightsManifest)`);
  }
  return json as tf.io.ModelJSON;
}

/** The converter writes `format`; older files are told apart by their topology. */
function formatOf(json: tf.io.ModelJSON): ModelFormat {
  if (json.format === 'graph-model' || json.format === 'layers-model') return json.format;
  const topology = json.modelTopology as { node?: unknown } | null;
  return topology !== null && Array.isArray(topology.node) ? 'graph-model' : 'layers-model';
}

/**
 * tfjs keeps the ArrayBuffers it is given; zip entries may be views into the whole archive
 * and Node Buffers views into a shared pool, so each shard gets its own exact buffer.
 */
function ownedArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

async function asUserError<T>(source: ModelFileSource, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot load the TensorFlow.js model ${source.modelJsonName}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
