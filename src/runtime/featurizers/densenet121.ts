/**
 * DenseNet-121 as `keras.applications.DenseNet121(include_top=True)` builds it, with its
 * layer names: zero_padding2d, conv1/conv, conv1/bn, conv1/relu, zero_padding2d_1, pool1,
 * dense blocks conv2…conv5 (6, 12, 24, 16 conv blocks: convN_blockM_0_bn, _0_relu,
 * _1_conv, _1_bn, _1_relu, _2_conv, _concat), transitions pool2…pool4 (_bn, _relu, _conv,
 * _pool), then bn, relu, avg_pool, predictions. 8,062,504 parameters with the top; features
 * are avg_pool's 1024 values, as [1, 1, 1024].
 *
 * Layer names: TensorFlow.js accepts '/' in layer names, so the Keras 2 / tf.keras names
 * (`conv1/conv`, weights `conv1/conv/kernel`) are kept as they are. Keras 3 spells the same
 * three layers with '_' (`conv1_conv`); weights under those names are accepted too
 * (alternativeLayerNames), and the classifier was `fc1000` in keras-applications 1.0.x.
 */
import * as tf from '@tensorflow/tfjs';
import type { KerasArchitecture } from './kerasFeaturizer';
import { activation, applyTo, batchNorm, conv2d, dense } from './kerasLayers';
import { generateWeights } from './generatedWeights';

const BN_EPSILON = 1.001e-5;
const GROWTH_RATE = 32;
const BLOCKS = [6, 12, 24, 16] as const;
/** Pixels after "torch" pre-processing are standardized per channel: unit spread. */
const TORCH_PIXEL_STD = 1;

/** Keras DenseNet121 with its top, zero weights. */
export function densenet121Architecture(): tf.LayersModel {
  const input = tf.input({ shape: [224, 224, 3], name: 'input_1' });
  let x = applyTo(tf.layers.zeroPadding2d({ padding: 3, name: 'zero_padding2d' }), input);
  x = conv2d(x, { filters: 64, kernelSize: 7, strides: 2, useBias: false, name: 'conv1/conv' });
  x = batchNorm(x, BN_EPSILON, 'conv1/bn');
  x = activation(x, 'relu', 'conv1/relu');
  x = applyTo(tf.layers.zeroPadding2d({ padding: 1, name: 'zero_padding2d_1' }), x);
  x = applyTo(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1' }), x);
  BLOCKS.forEach((blocks, i) => {
    x = denseBlock(x, blocks, `conv${i + 2}`);
    if (i < BLOCKS.length - 1) x = transitionBlock(x, 0.5, `pool${i + 2}`);
  });
  x = batchNorm(x, BN_EPSILON, 'bn');
  x = activation(x, 'relu', 'relu');
  x = applyTo(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
  const output = dense(x, 1000, 'softmax', 'predictions');
  return tf.model({ inputs: input, outputs: output, name: 'densenet121' });
}

export const DENSENET121: KerasArchitecture = {
  name: 'densenet121',
  kerasName: 'DenseNet121',
  featureLayer: 'avg_pool',
  build: densenet121Architecture,
  generate: (model, seed) => generateWeights(model, seed, TORCH_PIXEL_STD),
  alternativeLayerNames: (name) => (name === 'predictions' ? ['fc1000'] : name.includes('/') ? [name.replace(/\//g, '_')] : []),
};

function denseBlock(x: tf.SymbolicTensor, blocks: number, name: string): tf.SymbolicTensor {
  for (let i = 1; i <= blocks; i++) x = convBlock(x, GROWTH_RATE, `${name}_block${i}`);
  return x;
}

/** Keras `conv_block`: BN-ReLU-1×1 conv (4·growth) then BN-ReLU-3×3 conv (growth), concatenated to the input. */
function convBlock(x: tf.SymbolicTensor, growthRate: number, name: string): tf.SymbolicTensor {
  let x1 = activation(batchNorm(x, BN_EPSILON, `${name}_0_bn`), 'relu', `${name}_0_relu`);
  x1 = conv2d(x1, { filters: 4 * growthRate, kernelSize: 1, useBias: false, name: `${name}_1_conv` });
  x1 = activation(batchNorm(x1, BN_EPSILON, `${name}_1_bn`), 'relu', `${name}_1_relu`);
  x1 = conv2d(x1, { filters: growthRate, kernelSize: 3, padding: 'same', useBias: false, name: `${name}_2_conv` });
  return applyTo(tf.layers.concatenate({ axis: 3, name: `${name}_concat` }), [x, x1]);
}

/** Keras `transition_block`: BN-ReLU-1×1 conv to `reduction` of the channels, 2×2 average pooling. */
function transitionBlock(x: tf.SymbolicTensor, reduction: number, name: string): tf.SymbolicTensor {
  const channels = x.shape[3] ?? 0;
  let y = activation(batchNorm(x, BN_EPSILON, `${name}_bn`), 'relu', `${name}_relu`);
  y = conv2d(y, { filters: Math.floor(channels * reduction), kernelSize: 1, useBias: false, name: `${name}_conv` });
  return applyTo(tf.layers.averagePooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` }), y);
}
