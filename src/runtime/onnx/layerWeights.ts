/**
 * Weights of Keras layers, read from tfjs and rearranged for ONNX: kernels from TensorFlow's
 * HWIO to ONNX's OIHW, batch norms as a per-channel scale and shift, folded into a
 * convolution's kernel and bias when the batch norm follows it.
 */
import type * as tf from '@tensorflow/tfjs';

type Layer = tf.layers.Layer;

/** A weight by its name suffix (`kernel`, `bias`, `gamma`…), undefined when the layer has none. */
function readWeight(layer: Layer, suffix: string): { values: Float32Array; shape: number[] } | undefined {
  const weight = layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`));
  if (!weight) return undefined;
  return { values: new Float32Array(weight.read().dataSync()), shape: [...weight.shape] as number[] };
}

export interface ConvWeights {
  /** ONNX layout [out, in / group, kh, kw]. */
  readonly kernel: Float32Array;
  readonly dims: readonly [number, number, number, number];
  readonly bias: Float32Array;
  readonly group: number;
}

/**
 * Conv2D [kh, kw, in, out] → [out, in, kh, kw]; DepthwiseConv2D [kh, kw, in, multiplier] →
 * [in·multiplier, 1, kh, kw] with group = in. TensorFlow numbers a depthwise output channel
 * in·multiplier + m, which is also ONNX's grouped-convolution order.
 */
export function convWeights(layer: Layer, depthwise: boolean): ConvWeights {
  const kernel = readWeight(layer, depthwise ? 'depthwise_kernel' : 'kernel');
  if (!kernel) throw new Error(`layer "${layer.name}" has no kernel`);
  const [kh = 1, kw = 1, inputs = 1, last = 1] = kernel.shape;
  const outputs = depthwise ? inputs * last : last;
  const perGroup = depthwise ? 1 : inputs;
  const out = new Float32Array(kernel.values.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < inputs; i++) {
        for (let j = 0; j < last; j++) {
          const source = ((y * kw + x) * inputs + i) * last + j;
          const o = depthwise ? i * last + j : j;
          const c = depthwise ? 0 : i;
          out[((o * perGroup + c) * kh + y) * kw + x] = kernel.values[source] as number;
        }
      }
    }
  }
  const bias = readWeight(layer, 'bias')?.values ?? new Float32Array(outputs);
  return { kernel: out, dims: [outputs, perGroup, kh, kw], bias, group: depthwise ? inputs : 1 };
}

export interface ChannelAffine {
  readonly scale: Float32Array;
  readonly shift: Float32Array;
}

/** Inference-time batch norm as y = x·scale + shift per channel. */
export function batchNormAffine(layer: Layer, channels: number): ChannelAffine {
  const stat = (suffix: string, fallback: number): Float32Array => readWeight(layer, suffix)?.values ?? new Float32Array(channels).fill(fallback);
  const gamma = stat('gamma', 1);
  const beta = stat('beta', 0);
  const mean = stat('moving_mean', 0);
  const variance = stat('moving_variance', 1);
  const epsilon = Number(layer.getConfig().epsilon ?? 1e-3);
  // float64 arithmetic, one rounding at the end: closer to TF than rounding each step.
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = (gamma[c] as number) / Math.sqrt((variance[c] as number) + epsilon);
    scale[c] = s;
    shift[c] = (beta[c] as number) - (mean[c] as number) * s;
  }
  return { scale, shift };
}

/** conv then batch norm = one conv: each output channel's kernel scaled, the bias mapped through the affine. */
export function foldBatchNorm(conv: ConvWeights, affine: ChannelAffine): ConvWeights {
  const [outputs] = conv.dims;
  const perOutput = conv.kernel.length / outputs;
  const kernel = new Float32Array(conv.kernel.length);
  const bias = new Float32Array(outputs);
  for (let o = 0; o < outputs; o++) {
    const s = affine.scale[o] as number;
    for (let k = 0; k < perOutput; k++) kernel[o * perOutput + k] = (conv.kernel[o * perOutput + k] as number) * s;
    bias[o] = (conv.bias[o] as number) * s + (affine.shift[o] as number);
  }
  return { ...conv, kernel, bias };
}

/** Dense [in, out] → [out, in], for Gemm with transB (its output channels then lie on axis 0, as the quantizer wants). */
export function denseWeights(layer: Layer): { kernel: Float32Array; dims: [number, number]; bias: Float32Array | undefined } {
  const weight = readWeight(layer, 'kernel');
  if (!weight) throw new Error(`layer "${layer.name}" has no kernel`);
  const [inputs = 1, outputs = 1] = weight.shape;
  return { kernel: transpose(weight.values, inputs, outputs), dims: [outputs, inputs], bias: readWeight(layer, 'bias')?.values };
}

/**
 * [rows, columns] → [columns, rows], in tiles that stay in cache: VGG-16's fc1 is 25088 ×
 * 4096, and a plain loop's strided writes make it several times slower.
 */
function transpose(values: Float32Array, rows: number, columns: number): Float32Array {
  const TILE = 64;
  const out = new Float32Array(values.length);
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < columns; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, columns);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = values[r * columns + c] as number;
    }
  }
  return out;
}
