/**
 * VGG-16 as `keras.applications.VGG16(include_top=True)` builds it, with its layer names:
 * block1_conv1, block1_conv2, block1_pool, … block5_conv3, block5_pool, flatten, fc1, fc2,
 * predictions. 138,357,544 parameters with the top. Features are block5_pool as it is,
 * [7, 7, 512] (the original accelerated VGG-16 handed the host its last pooled maps); the
 * default classifier is flatten → fc1 → fc2 → predictions.
 */
import * as tf from '@tensorflow/tfjs';
import type { KerasArchitecture } from './kerasFeaturizer';
import { applyTo, conv2d, dense } from './kerasLayers';
import { fillNormal, seededUniform } from './generatedWeights';
import { CAFFE_PIXEL_STD } from './resnetV1';

/** Convolutions per block and their filters. */
const BLOCKS: readonly [convs: number, filters: number][] = [
  [2, 64],
  [2, 128],
  [3, 256],
  [3, 512],
  [3, 512],
];

/** Keras VGG16 with its top, zero weights. */
export function vgg16Architecture(): tf.LayersModel {
  const input = tf.input({ shape: [224, 224, 3], name: 'input_1' });
  let x = input;
  BLOCKS.forEach(([convs, filters], b) => {
    for (let c = 1; c <= convs; c++) x = conv2d(x, { filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `block${b + 1}_conv${c}` });
    x = applyTo(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }), x);
  });
  x = applyTo(tf.layers.flatten({ name: 'flatten' }), x);
  x = dense(x, 4096, 'relu', 'fc1');
  x = dense(x, 4096, 'relu', 'fc2');
  const output = dense(x, 1000, 'softmax', 'predictions');
  return tf.model({ inputs: input, outputs: output, name: 'vgg16' });
}

/**
 * Generated VGG weights. VGG has no batch norm, so there is nothing to calibrate and the
 * forward pass generateWeights() spends on calibration (a whole inference, seconds for
 * VGG) is skipped: kernels get the same He/LeCun normals (biases stay 0), and the first
 * convolution's are divided by the pixel spread so activations are near unit scale from
 * the start instead of ~64 (with no batch norm to rescale them, the logits would otherwise
 * be in the hundreds and every softmax one-hot).
 */
export function generateVgg16Weights(model: tf.LayersModel, seed: number): void {
  const uniform = seededUniform(seed);
  for (const layer of model.layers) {
    const kernel = layer.weights.find((weight) => weight.originalName.endsWith('/kernel'));
    if (!kernel) continue;
    const shape = kernel.shape as number[];
    const count = shape.reduce((product, d) => product * d, 1);
    const fanIn = count / (shape[shape.length - 1] ?? 1);
    const dense = layer.getClassName() === 'Dense';
    const std = Math.sqrt((dense ? 1 : 2) / fanIn) / (layer.name === 'block1_conv1' ? CAFFE_PIXEL_STD : 1);
    const values = fillNormal(new Float32Array(count), std, uniform);
    tf.tidy(() => {
      kernel.write(tf.tensor(values, shape, 'float32'));
    });
  }
}

export const VGG16: KerasArchitecture = {
  name: 'vgg16',
  kerasName: 'VGG16',
  featureLayer: 'block5_pool',
  build: vgg16Architecture,
  generate: generateVgg16Weights,
};
