/**
 * Keras-style `load_weights(by_name=True)` for architectures built in code: each layer takes
 * the tensors named `<layer name>/<weight name>` (e.g. `conv_dw_3/depthwise_kernel`,
 * `conv4_block36_3_bn/moving_variance`), as TensorFlow.js converters name weights in a
 * model.json weights manifest. The model's topology never comes from the file, only its
 * numbers, so the architecture in code is what runs whatever produced the weights.
 *
 * Unlike Keras, it is strict where Keras is silent: every weight of every layer must be
 * given, with exactly the shape the architecture expects, otherwise nothing is written and
 * a UserError names the layer (a store folder from another model, another width or a
 * truncated conversion would otherwise run with zeros in places).
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../common/errors';
import type { ModelFileSource } from '../tfjsFiles';
import { readArtifacts } from '../tfjsFiles';

export interface LoadByNameOptions {
  /** How messages name the weights' origin, e.g. a model.json path. */
  source?: string;
  /**
   * Other names a layer's weights may carry in the file, tried after its own: Keras 3
   * renamed DenseNet's `conv1/conv` to `conv1_conv`, for example.
   */
  alternativeLayerNames?: (layerName: string) => string[];
}

export interface LoadByNameResult {
  /** Tensors of the map that no layer took (Keras ignores them too; callers may refuse them). */
  unused: string[];
}

/**
 * Writes `named` into `model`'s weights by layer name. All weights are checked before any
 * is written, so a failure leaves the model as it was. The tensors stay the caller's.
 */
export function loadWeightsByName(model: tf.LayersModel, named: tf.NamedTensorMap, options: LoadByNameOptions = {}): LoadByNameResult {
  const from = options.source ? ` in ${options.source}` : '';
  const byName = new Map<string, tf.Tensor>();
  // Older converters kept TensorFlow's output suffix (`conv1/kernel:0`).
  for (const [name, tensor] of Object.entries(named)) byName.set(name.replace(/:0$/, ''), tensor);
  const used = new Set<string>();
  const writes: [tf.LayerVariable, tf.Tensor][] = [];

  for (const layer of model.layers) {
    const candidates = [layer.name, ...(options.alternativeLayerNames?.(layer.name) ?? [])];
    for (const weight of layer.weights) {
      const suffix = weightSuffix(layer.name, weight.originalName);
      const expected = weight.shape as number[];
      const found = candidates.map((name) => `${name}/${suffix}`).find((name) => byName.has(name));
      const tensor = found === undefined ? undefined : byName.get(found);
      if (found === undefined || tensor === undefined) {
        throw new UserError(
          `layer "${layer.name}" gets no weights${from}: "${layer.name}/${suffix}" (shape ${shapeText(expected)}) is missing`,
        );
      }
      if (!sameShape(tensor.shape, expected)) {
        throw new UserError(`layer "${layer.name}" expects "${layer.name}/${suffix}" of shape ${shapeText(expected)}, but "${found}"${from} has shape ${shapeText(tensor.shape)}`);
      }
      if (tensor.dtype !== 'float32') {
        throw new UserError(`layer "${layer.name}" expects float32 weights, but "${found}"${from} is ${tensor.dtype}`);
      }
      used.add(found);
      writes.push([weight, tensor]);
    }
  }
  for (const [weight, tensor] of writes) weight.write(tensor);
  return { unused: [...byName.keys()].filter((name) => !used.has(name)) };
}

/**
 * The named weights of a TensorFlow.js model.json (layers or graph model alike: only the
 * weights manifest is used), decoded and dequantized. The caller disposes them.
 */
export async function readNamedWeights(source: ModelFileSource): Promise<tf.NamedTensorMap> {
  const { artifacts } = await readArtifacts(source);
  if (!artifacts.weightSpecs || artifacts.weightData === undefined) {
    throw new UserError(`${source.modelJsonName} lists no weights`);
  }
  return tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
}

/** `conv1/kernel` of layer `conv1` → `kernel`; layer names may themselves contain '/'. */
function weightSuffix(layerName: string, originalName: string): string {
  return originalName.startsWith(`${layerName}/`) ? originalName.slice(layerName.length + 1) : originalName.slice(originalName.lastIndexOf('/') + 1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
