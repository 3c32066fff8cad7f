/**
 * ResNet v1 with bottleneck blocks, as `keras.applications.resnet` builds ResNet50 and
 * ResNet152 (the `stack1`/`block1` functions), layer for layer and with its layer names:
 * conv1_pad, conv1_conv, conv1_bn, conv1_relu, pool1_pad, pool1_pool, then per block
 * convN_blockM_{0,1,2,3}_{conv,bn}, _{1,2}_relu, _add, _out, and avg_pool, predictions.
 * Features are avg_pool's 2048 values, as [1, 1, 2048].
 *
 * Parameters with the top: ResNet50 25,636,712; ResNet152 60,419,944 (Keras's figures).
 */
import * as tf from '@tensorflow/tfjs';
import type { KerasArchitecture } from './kerasFeaturizer';
import { activation, applyTo, batchNorm, conv2d, dense } from './kerasLayers';
import { generateWeights } from './generatedWeights';

const BN_EPSILON = 1.001e-5;
/** Typical spread of pixels after Caffe pre-processing (means subtracted, no scaling). */
export const CAFFE_PIXEL_STD = 64;

export type ResnetDepth = 50 | 152;

/** Blocks per stack (conv2…conv5); the bottleneck filters are 64, 128, 256, 512 in every depth. */
const BLOCKS: Record<ResnetDepth, readonly [number, number, number, number]> = {
  50: [3, 4, 6, 3],
  152: [3, 8, 36, 3],
};

/** Keras ResNet50/ResNet152 with its top, zero weights. */
export function resnetV1Architecture(depth: ResnetDepth): tf.LayersModel {
  const input = tf.input({ shape: [224, 224, 3], name: 'input_1' });
  let x = applyTo(tf.layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }), input);
  x = conv2d(x, { filters: 64, kernelSize: 7, strides: 2, name: 'conv1_conv' });
  x = batchNorm(x, BN_EPSILON, 'conv1_bn');
  x = activation(x, 'relu', 'conv1_relu');
  x = applyTo(tf.layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }), x);
  x = applyTo(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }), x);
  BLOCKS[depth].forEach((blocks, stack) => {
    const name = `conv${stack + 2}`;
    const filters = 64 << stack;
    // Keras `stack1`: the first stack keeps the resolution (pool1 already halved it).
    x = block(x, filters, stack === 0 ? 1 : 2, true, `${name}_block1`);
    for (let i = 2; i <= blocks; i++) x = block(x, filters, 1, false, `${name}_block${i}`);
  });
  x = applyTo(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
  const output = dense(x, 1000, 'softmax', 'predictions');
  return tf.model({ inputs: input, outputs: output, name: `resnet${depth}` });
}

/** Keras ResNet with its top on generated weights (see generatedWeights.ts). */
export function buildResnetV1(depth: ResnetDepth, options: { seed: number }): tf.LayersModel {
  const model = resnetV1Architecture(depth);
  generateWeights(model, options.seed, CAFFE_PIXEL_STD);
  return model;
}

export function resnetV1(depth: ResnetDepth): KerasArchitecture {
  return {
    name: depth === 50 ? 'resnet50' : 'resnet152',
    kerasName: `ResNet${depth}`,
    featureLayer: 'avg_pool',
    build: () => resnetV1Architecture(depth),
    generate: (model, seed) => generateWeights(model, seed, CAFFE_PIXEL_STD),
  };
}

/** Keras `block1`: a bottleneck residual block, with a projection shortcut in each stack's first block. */
function block(input: tf.SymbolicTensor, filters: number, stride: number, projection: boolean, name: string): tf.SymbolicTensor {
  const shortcut = projection ? batchNorm(conv2d(input, { filters: 4 * filters, kernelSize: 1, strides: stride, name: `${name}_0_conv` }), BN_EPSILON, `${name}_0_bn`) : input;
  let x = conv2d(input, { filters, kernelSize: 1, strides: stride, name: `${name}_1_conv` });
  x = activation(batchNorm(x, BN_EPSILON, `${name}_1_bn`), 'relu', `${name}_1_relu`);
  x = conv2d(x, { filters, kernelSize: 3, padding: 'same', name: `${name}_2_conv` });
  x = activation(batchNorm(x, BN_EPSILON, `${name}_2_bn`), 'relu', `${name}_2_relu`);
  x = batchNorm(conv2d(x, { filters: 4 * filters, kernelSize: 1, name: `${name}_3_conv` }), BN_EPSILON, `${name}_3_bn`);
  x = applyTo(tf.layers.add({ name: `${name}_add` }), [shortcut, x]);
  return activation(x, 'relu', `${name}_out`);
}
