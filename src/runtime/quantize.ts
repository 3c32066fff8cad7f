/**
 * `precision: "int8"`: the featurizer's weights are fake-quantized at load time, i.e. each
 * kernel goes through a symmetric per-output-channel int8 round trip (scale = max|w| / 127,
 * w → round(w / scale) · scale) and stays float32 afterwards.
 *
 * What that does and does not claim:
 * - Scores show the accuracy cost of storing the featurizer's weights in int8, which is what
 *   the service's quantized weights change. Per-channel scaling of the unfolded kernel equals
 *   quantizing the kernel with batch-norm folded in, because folding scales whole output
 *   channels, so this matches how int8 inference engines quantize.
 * - Activations stay float32 and the arithmetic is float32, so latency is fp32 latency; an
 *   int8 engine would be faster and lose a little more accuracy on activations.
 * Biases, batch-norm parameters and the default classifier stay float32 (the original
 * service ran its classifier on the host in float32).
 */
import * as tf from '@tensorflow/tfjs';

export const INT8_LEVELS = 127;

/**
 * Quantizes in place; `channels` is how many output channels interleave in the last axes
 * (the element at flat index i belongs to channel i mod channels, true of HWIO conv kernels,
 * HWCM depthwise kernels and IO dense kernels alike).
 */
export function fakeQuantizeChannels(values: Float32Array, channels: number): Float32Array {
  const maxAbs = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = i % channels;
    const magnitude = Math.abs(values[i] as number);
    if (magnitude > (maxAbs[c] as number)) maxAbs[c] = magnitude;
  }
  const scales = Array.from(maxAbs, (m) => m / INT8_LEVELS);
  for (let i = 0; i < values.length; i++) {
    const scale = scales[i % channels] as number;
    // An all-zero channel stays zero (and must not divide by a zero scale).
    if (scale === 0) continue;
    const q = Math.max(-INT8_LEVELS, Math.min(INT8_LEVELS, Math.round((values[i] as number) / scale)));
    values[i] = q * scale;
  }
  return values;
}

/** How many channels share one scale for a weight, by its Keras name; undefined: not a kernel. */
function channelsOf(weightName: string, shape: readonly number[]): number | undefined {
  const last = shape[shape.length - 1];
  if (weightName.endsWith('/depthwise_kernel')) {
    // [kh, kw, in, multiplier]: each (input, multiplier) pair is its own output channel.
    return (shape[shape.length - 2] ?? 1) * (last ?? 1);
  }
  if (weightName.endsWith('/kernel') || weightName.endsWith('/pointwise_kernel')) return last;
  return undefined;
}

/** Fake-quantizes every kernel of these layers; returns how many weight tensors changed. */
export function fakeQuantizeLayers(layers: readonly tf.layers.Layer[]): number {
  let count = 0;
  for (const layer of layers) {
    for (const weight of layer.weights) {
      const channels = channelsOf(weight.originalName, weight.shape as number[]);
      if (channels === undefined || channels === 0) continue;
      const values = new Float32Array(weight.read().dataSync());
      fakeQuantizeChannels(values, channels);
      tf.tidy(() => {
        weight.write(tf.tensor(values, weight.shape as number[], 'float32'));
      });
      count++;
    }
  }
  return count;
}
