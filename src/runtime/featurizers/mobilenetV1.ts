/**
 * MobileNet v1 (widths 0.25, 0.5, 0.75, 1.0) as Keras 2.1 `keras.applications.MobileNet`
 * builds it, the version Google's published TensorFlow.js MobileNets were converted from
 * (their model.json says keras_version 2.1.4), with its layer names: conv1, conv1_bn,
 * conv1_relu, then 13 depthwise-separable blocks conv_dw_N, conv_dw_N_bn, conv_dw_N_relu,
 * conv_pw_N, conv_pw_N_bn, conv_pw_N_relu, then global_average_pooling2d_1, reshape_1,
 * dropout, conv_preds, act_softmax, reshape_2. Convolutions pad 'same' and have no bias;
 * batch norms use epsilon 1e-3; activations are ReLU6. Later Keras versions pad explicitly
 * (conv1_pad, conv_pad_N) and pad 'valid'; at 224×224 the two are the same arithmetic.
 *
 * Parameters with the top at width 1.0: 4,253,864 (Keras's figure).
 */
import * as tf from '@tensorflow/tfjs';
import { activation, applyTo, batchNorm, conv2d } from './kerasLayers';

export type MobilenetWidth = 0.25 | 0.5 | 0.75 | 1;

const BN_EPSILON = 1e-3;
/** Pointwise filters at width 1 and the depthwise stride of each of the 13 blocks. */
const BLOCKS: readonly [filters: number, stride: number][] = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 2],
  [1024, 1],
];

/** Keras MobileNet(alpha=width, include_top=True) for 224×224 images, zero weights. */
export function mobilenetV1Architecture(width: MobilenetWidth): tf.LayersModel {
  const input = tf.input({ shape: [224, 224, 3], name: 'input_1' });
  // Keras: filters = int(filters * alpha).
  const scaled = (filters: number): number => Math.floor(filters * width);
  let x = conv2d(input, { filters: scaled(32), kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'conv1' });
  x = activation(batchNorm(x, BN_EPSILON, 'conv1_bn'), 'relu6', 'conv1_relu');
  BLOCKS.forEach(([filters, stride], i) => {
    const id = i + 1;
    x = applyTo(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', depthMultiplier: 1, useBias: false, depthwiseInitializer: 'zeros', name: `conv_dw_${id}` }), x);
    x = activation(batchNorm(x, BN_EPSILON, `conv_dw_${id}_bn`), 'relu6', `conv_dw_${id}_relu`);
    x = conv2d(x, { filters: scaled(filters), kernelSize: 1, padding: 'same', useBias: false, name: `conv_pw_${id}` });
    x = activation(batchNorm(x, BN_EPSILON, `conv_pw_${id}_bn`), 'relu6', `conv_pw_${id}_relu`);
  });
  const features = scaled(1024);
  x = applyTo(tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_1' }), x);
  x = applyTo(tf.layers.reshape({ targetShape: [1, 1, features], name: 'reshape_1' }), x);
  x = applyTo(tf.layers.dropout({ rate: 1e-3, name: 'dropout' }), x);
  x = conv2d(x, { filters: 1000, kernelSize: 1, padding: 'same', name: 'conv_preds' });
  x = activation(x, 'softmax', 'act_softmax');
  const output = applyTo(tf.layers.reshape({ targetShape: [1000], name: 'reshape_2' }), x);
  return tf.model({ inputs: input, outputs: output, name: `mobilenet_${width}_224` });
}

/** Catalog name → width (`mobilenet_v1_0.5` → 0.5), or undefined for other names. */
export function mobilenetWidth(catalogName: string): MobilenetWidth | undefined {
  const width = Number(catalogName.replace(/^mobilenet_v1_/, ''));
  return width === 0.25 || width === 0.5 || width === 0.75 || width === 1 ? width : undefined;
}
