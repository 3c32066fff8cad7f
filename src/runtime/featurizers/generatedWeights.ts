/**
 * Deterministic stand-in weights for featurizers whose real weights are not in the store:
 * the same architecture and the same arithmetic cost, so latency and throughput are real,
 * while the class scores mean nothing (results say `synthetic: true`).
 *
 * The values keep activations near unit scale through the whole network, without NaN or
 * overflow, whatever the depth:
 * - convolution kernels: He-normal, N(0, 2 / fan_in), biases 0;
 * - dense kernels: LeCun-normal, N(0, 1 / fan_in), biases 0, so logits are O(1);
 * - batch norm: gamma 1, beta 0, and moving mean/variance measured on the network's own
 *   activations for a seeded random image (calibrateBatchNorm), as a trained network's
 *   moving statistics are measured on its training data. Every batch norm then outputs about
 *   N(0, 1) per channel. Guessing the statistics analytically instead lets residual
 *   networks' activations grow block after block.
 * A seeded generator (mulberry32, normals by the polar method) fills kernels and the calibration image, so
 * the same seed gives the same weights (bit for bit on one backend; the calibrated statistics
 * may differ in the last bits between backends).
 */
import * as tf from '@tensorflow/tfjs';

export const DEFAULT_SEED = 20180507;

/** A small, fast, well-mixed 32-bit generator (public-domain mulberry32). */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normal values N(0, std²) from a seeded uniform source (Marsaglia's polar method: no trigonometry). */
export function fillNormal(values: Float32Array, std: number, uniform: () => number): Float32Array {
  for (let i = 0; i < values.length; i += 2) {
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = std * Math.sqrt((-2 * Math.log(s)) / s);
    values[i] = u * factor;
    if (i + 1 < values.length) values[i + 1] = v * factor;
  }
  return values;
}

/**
 * Overwrites every weight of `model` with generated values, layer by layer in model order,
 * so the generator's sequence (and thus the weights) depend only on the architecture and
 * seed; then calibrates the batch norms on a seeded image of `imageStd` (the spread of the
 * featurizer's pre-processed pixels).
 */
export function generateWeights(model: tf.LayersModel, seed: number, imageStd: number): void {
  const uniform = seededUniform(seed);
  for (const layer of model.layers) {
    for (const weight of layer.weights) {
      const shape = weight.shape as number[];
      const values = valuesFor(layer, weight.originalName, shape, uniform);
      tf.tidy(() => {
        weight.write(tf.tensor(values, shape, 'float32'));
      });
    }
  }
  const inputShape = (model.inputs[0]?.shape ?? []).slice(1) as number[];
  const image = fillNormal(new Float32Array(inputShape.reduce((product, d) => product * d, 1)), imageStd, seededUniform(seed ^ 0x5eed));
  const input = tf.tensor(image, [1, ...inputShape], 'float32');
  try {
    calibrateBatchNorm(model, input);
  } finally {
    input.dispose();
  }
}

/**
 * One forward pass, layer by layer in topological order, that sets each batch norm's moving
 * mean and variance to the per-channel statistics of its actual input before applying it.
 * Each intermediate tensor is freed once its last consumer has run.
 */
export function calibrateBatchNorm(model: tf.LayersModel, input: tf.Tensor): void {
  const sourcesOf = (layer: tf.layers.Layer): tf.layers.Layer[] => layer.inboundNodes[0]?.inboundLayers ?? [];
  const pending = new Map<tf.layers.Layer, number>();
  for (const layer of model.layers) for (const source of sourcesOf(layer)) pending.set(source, (pending.get(source) ?? 0) + 1);

  const outputs = new Map<tf.layers.Layer, tf.Tensor>();
  const release = (layer: tf.layers.Layer): void => {
    const left = (pending.get(layer) ?? 0) - 1;
    pending.set(layer, left);
    if (left <= 0) {
      outputs.get(layer)?.dispose();
      outputs.delete(layer);
    }
  };
  try {
    for (const layer of model.layers) {
      const sources = sourcesOf(layer);
      if (sources.length === 0) {
        outputs.set(layer, input.clone()); // the input layer
        continue;
      }
      const inputs = sources.map((source) => {
        const tensor = outputs.get(source);
        if (!tensor) throw new Error(`calibration: layer "${layer.name}" runs before its input "${source.name}"`);
        return tensor;
      });
      if (layer.getClassName() === 'BatchNormalization' && inputs[0]) setMovingStatistics(layer, inputs[0]);
      const output = tf.tidy(() => layer.apply(inputs.length === 1 ? inputs[0] as tf.Tensor : inputs, { training: false }) as tf.Tensor);
      outputs.set(layer, output);
      for (const source of sources) release(source);
    }
  } finally {
    for (const tensor of outputs.values()) tensor.dispose();
  }
}

function setMovingStatistics(layer: tf.layers.Layer, input: tf.Tensor): void {
  tf.tidy(() => {
    const axes = input.shape.slice(0, -1).map((_, axis) => axis);
    const { mean, variance } = tf.moments(input, axes);
    for (const weight of layer.weights) {
      if (weight.originalName.endsWith('/moving_mean')) weight.write(mean);
      if (weight.originalName.endsWith('/moving_variance')) weight.write(variance);
    }
  });
}

function valuesFor(layer: tf.layers.Layer, weightName: string, shape: number[], uniform: () => number): Float32Array {
  const count = shape.reduce((product, d) => product * d, 1);
  const values = new Float32Array(count);
  const kind = weightName.slice(weightName.lastIndexOf('/') + 1);
  switch (kind) {
    case 'kernel': {
      // Conv kernels are [kh, kw, in, out] and dense kernels [in, out]: fan-in is all but the last axis.
      const fanIn = count / (shape[shape.length - 1] ?? 1);
      const dense = layer.getClassName() === 'Dense';
      return fillNormal(values, Math.sqrt((dense ? 1 : 2) / fanIn), uniform);
    }
    case 'gamma':
    case 'moving_variance':
      // The variance is measured later; 1 keeps the network well-defined until then.
      return values.fill(1);
    default:
      // bias, beta, moving_mean
      return values;
  }
}
