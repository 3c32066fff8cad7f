/**
 * Small helpers shared by the architectures built in code. Every layer is created with zero
 * initializers: building is then cheap, and the weights come afterwards from the store (by
 * name) or from the seeded generator, never from tfjs's random initializers.
 */
import * as tf from '@tensorflow/tfjs';

/** Applies a layer to one symbolic tensor (tfjs types apply() for every input kind at once). */
export function applyTo(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(x) as tf.SymbolicTensor;
}

export function conv2d(
  x: tf.SymbolicTensor,
  options: { filters: number; kernelSize: number; strides?: number; padding?: 'valid' | 'same'; useBias?: boolean; activation?: 'linear' | 'relu'; name: string },
): tf.SymbolicTensor {
  return applyTo(
    tf.layers.conv2d({
      filters: options.filters,
      kernelSize: options.kernelSize,
      strides: options.strides ?? 1,
      padding: options.padding ?? 'valid',
      useBias: options.useBias ?? true,
      activation: options.activation ?? 'linear',
      kernelInitializer: 'zeros',
      name: options.name,
    }),
    x,
  );
}

export function batchNorm(x: tf.SymbolicTensor, epsilon: number, name: string): tf.SymbolicTensor {
  return applyTo(tf.layers.batchNormalization({ axis: 3, epsilon, name }), x);
}

export function activation(x: tf.SymbolicTensor, kind: 'relu' | 'relu6' | 'softmax', name: string): tf.SymbolicTensor {
  return applyTo(tf.layers.activation({ activation: kind, name }), x);
}

export function dense(x: tf.SymbolicTensor, units: number, kind: 'relu' | 'softmax', name: string): tf.SymbolicTensor {
  return applyTo(tf.layers.dense({ units, activation: kind, kernelInitializer: 'zeros', name }), x);
}
