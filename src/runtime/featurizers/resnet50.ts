/**
 * ResNet 50, the original accelerated featurizer: real weights when the store has
 * `resnet50/model.json` (a Keras `ResNet50(include_top=True)` converted to TensorFlow.js),
 * otherwise the same architecture, built here, on generated weights.
 *
 * The architecture is Keras's `keras.applications.ResNet50` layer for layer, with its layer
 * names (conv1_conv, conv2_block1_0_conv, …, avg_pool, predictions), so the two sources are
 * interchangeable: 25,636,712 parameters with the top, features = avg_pool as [1, 1, 2048].
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors';
import { findFeaturizer } from '../../pipeline/featurizers';
import { resnet50Folder, storeHint } from '../modelStore';
import { loadLayersModelFrom, folderSource } from '../tfjsFiles';
import type { FeaturizerLoadOptions, LoadedFeaturizer } from './featurizer';
import { finishFeaturizer } from './featurizer';
import { DEFAULT_SEED, generateWeights } from './generatedWeights';

export const RESNET50 = 'resnet50';
const BN_EPSILON = 1.001e-5;
/** Typical spread of pixels after Caffe pre-processing (means subtracted, no scaling). */
const CAFFE_PIXEL_STD = 64;
/** Stage, filters of the bottleneck, blocks, stride of the first block (Keras `stack1` calls). */
const STACKS: readonly [name: string, filters: number, blocks: number, stride: number][] = [
  ['conv2', 64, 3, 1],
  ['conv3', 128, 4, 2],
  ['conv4', 256, 6, 2],
  ['conv5', 512, 3, 2],
];

export async function loadResnet50(options: FeaturizerLoadOptions): Promise<LoadedFeaturizer> {
  const info = findFeaturizer(RESNET50);
  if (!info) throw new Error('resnet50 is missing from the featurizer catalog');
  const folder = resnet50Folder(options.modelStore);
  const real = !options.syntheticWeights && existsSync(join(folder, 'model.json'));
  const full = real ? await loadStoreModel(folder) : buildResnet50({ seed: options.seed ?? DEFAULT_SEED });
  return finishFeaturizer(full, info, {
    featureLayer: 'avg_pool',
    precision: options.precision,
    synthetic: !real,
    modelName: `ResNet 50 (${real ? join(folder, 'model.json') : 'generated weights'})`,
  });
}

async function loadStoreModel(folder: string): Promise<tf.LayersModel> {
  const missing = (path: string): UserError =>
    new UserError(`ResNet 50 weights in the model store are incomplete: ${path} is missing. Place the whole converted model (model.json and every weight file it lists) in ${folder}, or remove model.json there to run on generated weights; ${storeHint()}`);
  return loadLayersModelFrom(folderSource(folder, missing));
}

/**
 * Keras ResNet50 with its top, on generated weights (see generatedWeights.ts). Layers are
 * created with zero initializers (cheap) and then filled from the seeded generator.
 */
export function buildResnet50(options: { seed: number }): tf.LayersModel {
  const input = tf.input({ shape: [224, 224, 3], name: 'input_1' });
  let x = tf.layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }).apply(input) as tf.SymbolicTensor;
  x = conv(x, 64, 7, 2, 'conv1_conv', 'valid');
  x = batchNorm(x, 'conv1_bn');
  x = relu(x, 'conv1_relu');
  x = tf.layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as tf.SymbolicTensor;
  for (const [name, filters, blocks, stride] of STACKS) {
    x = block(x, filters, stride, true, `${name}_block1`);
    for (let i = 2; i <= blocks; i++) x = block(x, filters, 1, false, `${name}_block${i}`);
  }
  x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 1000, activation: 'softmax', kernelInitializer: 'zeros', name: 'predictions' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: 'resnet50' });
  generateWeights(model, options.seed, CAFFE_PIXEL_STD);
  return model;
}

/** Keras `block1`: a bottleneck residual block, with a projection shortcut in each stack's first block. */
function block(input: tf.SymbolicTensor, filters: number, stride: number, projection: boolean, name: string): tf.SymbolicTensor {
  const shortcut = projection ? batchNorm(conv(input, 4 * filters, 1, stride, `${name}_0_conv`), `${name}_0_bn`) : input;
  let x = relu(batchNorm(conv(input, filters, 1, stride, `${name}_1_conv`), `${name}_1_bn`), `${name}_1_relu`);
  x = relu(batchNorm(conv(x, filters, 3, 1, `${name}_2_conv`, 'same'), `${name}_2_bn`), `${name}_2_relu`);
  x = batchNorm(conv(x, 4 * filters, 1, 1, `${name}_3_conv`), `${name}_3_bn`);
  x = tf.layers.add({ name: `${name}_add` }).apply([shortcut, x]) as tf.SymbolicTensor;
  return relu(x, `${name}_out`);
}

function conv(x: tf.SymbolicTensor, filters: number, kernelSize: number, strides: number, name: string, padding: 'valid' | 'same' = 'valid'): tf.SymbolicTensor {
  return tf.layers.conv2d({ filters, kernelSize, strides, padding, kernelInitializer: 'zeros', name }).apply(x) as tf.SymbolicTensor;
}

function batchNorm(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.batchNormalization({ axis: 3, epsilon: BN_EPSILON, name }).apply(x) as tf.SymbolicTensor;
}

function relu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.activation({ activation: 'relu', name }).apply(x) as tf.SymbolicTensor;
}
