/**
 * Inference plans for featurizer models: the Keras graph run layer by layer, with each
 * batch norm folded into the convolution before it and a ReLU/ReLU6 after it fused in, so
 * conv + batch norm + activation run as one fused kernel, as an inference engine (or the
 * FPGA's compiler) would run them.
 *
 * Why not run the tf.LayersModel as it is: on the wasm backend a separate batch norm and a
 * ReLU6 (ReLU then Minimum) are full passes over memory each. They cost MobileNet more time
 * than its convolutions (MobileNet 0.75 at batch 1: about 59 → 25 ms) and ResNet 50 about 8%.
 *
 * The plan is split at the feature layer: `featurize` runs the ancestors of that layer,
 * `classify` the chain of layers after it (the default ImageNet classifier).
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../common/errors';

type Layer = tf.layers.Layer;
type FusedActivation = 'linear' | 'relu' | 'relu6';

interface Step {
  /** The layer whose output this step produces (the last one of a fused group). */
  readonly output: Layer;
  readonly sources: readonly Layer[];
  readonly run: (inputs: tf.Tensor[]) => tf.Tensor;
}

export interface CompiledSplit {
  /** Images [N, ...input] → the feature layer's output, reshaped to [N, ...featureShape]. */
  readonly featurize: (images: tf.Tensor) => tf.Tensor;
  /** Features [N, ...featureShape] → the model's output (class probabilities). */
  readonly classify: (features: tf.Tensor) => tf.Tensor;
  /** Frees the folded weights and the weights of the layers still used as they are. */
  readonly dispose: () => void;
}

export function sourcesOf(layer: Layer): Layer[] {
  return layer.inboundNodes[0]?.inboundLayers ?? [];
}

/**
 * Compiles `model`, split at `featureLayer`. The layers whose weights were folded have them
 * freed; the model itself must not be used afterwards (its other layers' weights now belong
 * to the returned plan and are freed by its dispose).
 */
export function compileSplit(model: tf.LayersModel, featureLayer: Layer, featureShape: readonly number[], modelName: string): CompiledSplit {
  for (const layer of model.layers) {
    if (layer.inboundNodes.length !== 1) {
      throw new UserError(`${modelName}: layer "${layer.name}" is used more than once in the graph, which featurizer models never do`);
    }
  }
  const input = model.layers.find((layer) => sourcesOf(layer).length === 0);
  const output = model.outputLayers[0];
  if (!input || !output) throw new UserError(`${modelName}: the model has no input or no output layer`);
  const nativeShape = (featureLayer.outputShape as (number | null)[]).slice(1) as number[];

  const consumers = consumersOf(model.layers);
  const owned: tf.Tensor[] = [];
  const folded = new Set<Layer>();
  const absorbed = new Set<Layer>();
  const steps: Step[] = [];
  try {
    for (const layer of model.layers) {
      if (absorbed.has(layer) || sourcesOf(layer).length === 0) continue; // fused earlier, or the input
      const fusion = findFusion(layer, consumers, featureLayer);
      if (fusion) {
        const { run, tensors } = fusedConvolution(layer, fusion.batchNorm, fusion.activation);
        owned.push(...tensors);
        folded.add(layer).add(fusion.batchNorm);
        absorbed.add(fusion.batchNorm);
        if (fusion.activationLayer) absorbed.add(fusion.activationLayer);
        steps.push({ output: fusion.activationLayer ?? fusion.batchNorm, sources: sourcesOf(layer), run });
      } else {
        steps.push({ output: layer, sources: sourcesOf(layer), run: (inputs) => layer.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false }) as tf.Tensor });
      }
    }
  } catch (error) {
    // The model is still whole: only the folded copies exist so far.
    tf.dispose(owned);
    throw error;
  }
  // The folded copies replace these layers' own weights from now on.
  for (const layer of folded) for (const weight of layer.weights) weight.dispose();

  const ancestors = ancestorsOf(featureLayer);
  const body = steps.filter((step) => ancestors.has(step.output));
  const head = steps.filter((step) => !ancestors.has(step.output));
  if (head.length === 0) throw new UserError(`${modelName}: nothing follows "${featureLayer.name}", so there is no default classifier`);

  let disposed = false;
  return {
    featurize: (images) => {
      const features = evaluate(body, new Map([[input, images]]), featureLayer);
      return tf.tidy(() => {
        const reshaped = tf.reshape(features, [features.shape[0] ?? -1, ...featureShape]);
        features.dispose();
        return reshaped;
      });
    },
    classify: (features) => {
      const native = tf.reshape(features, [features.shape[0] ?? -1, ...nativeShape]);
      try {
        return evaluate(head, new Map([[featureLayer, native]]), output);
      } finally {
        native.dispose();
      }
    },
    dispose: () => {
      if (disposed) return;
      disposed = true;
      tf.dispose(owned);
      for (const layer of model.layers) if (!folded.has(layer)) for (const weight of layer.weights) weight.dispose();
    },
  };
}

function consumersOf(layers: readonly Layer[]): Map<Layer, Layer[]> {
  const consumers = new Map<Layer, Layer[]>();
  for (const layer of layers) {
    for (const source of sourcesOf(layer)) consumers.set(source, [...(consumers.get(source) ?? []), layer]);
  }
  return consumers;
}

function ancestorsOf(layer: Layer): Set<Layer> {
  const seen = new Set<Layer>();
  const pending = [layer];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...sourcesOf(next));
  }
  return seen;
}

interface Fusion {
  batchNorm: Layer;
  activation: FusedActivation;
  activationLayer?: Layer;
}

/**
 * conv (linear) → batch norm [→ ReLU or ReLU6], each the only consumer of the one before.
 * Nothing is fused across the feature layer: its output must stay observable.
 */
function findFusion(layer: Layer, consumers: Map<Layer, Layer[]>, boundary: Layer): Fusion | undefined {
  const className = layer.getClassName();
  if ((className !== 'Conv2D' && className !== 'DepthwiseConv2D') || layer === boundary) return undefined;
  const config = layer.getConfig();
  if (config.activation !== 'linear' || config.dataFormat !== 'channelsLast') return undefined;
  const batchNorm = onlyConsumer(layer, consumers);
  if (batchNorm?.getClassName() !== 'BatchNormalization') return undefined;
  const axis = batchNorm.getConfig().axis;
  if (axis !== -1 && axis !== 3) return undefined;
  if (batchNorm === boundary) return { batchNorm, activation: 'linear' };
  const next = onlyConsumer(batchNorm, consumers);
  const activation = next ? activationOf(next) : undefined;
  return activation && next ? { batchNorm, activation, activationLayer: next } : { batchNorm, activation: 'linear' };
}

function onlyConsumer(layer: Layer, consumers: Map<Layer, Layer[]>): Layer | undefined {
  const list = consumers.get(layer) ?? [];
  return list.length === 1 ? list[0] : undefined;
}

function activationOf(layer: Layer): FusedActivation | undefined {
  const config = layer.getConfig();
  if (layer.getClassName() === 'Activation' && (config.activation === 'relu' || config.activation === 'relu6')) return config.activation;
  if (layer.getClassName() === 'ReLU') {
    if (config.maxValue === null || config.maxValue === undefined) return 'relu';
    if (config.maxValue === 6) return 'relu6';
  }
  return undefined;
}

/**
 * Folds y = gamma · (conv(x) + b − mean) / sqrt(var + eps) + beta into the convolution:
 * each output channel's kernel scaled by gamma / sqrt(var + eps), the bias adjusted to match.
 */
function fusedConvolution(conv: Layer, batchNorm: Layer, activation: FusedActivation): { run: Step['run']; tensors: tf.Tensor[] } {
  const depthwise = conv.getClassName() === 'DepthwiseConv2D';
  const kernelWeight = conv.weights.find((w) => w.originalName.endsWith(depthwise ? '/depthwise_kernel' : '/kernel'));
  if (!kernelWeight) throw new Error(`layer ${conv.name} has no kernel`);
  const kernelShape = kernelWeight.shape as number[];
  const channels = depthwise ? (kernelShape[2] ?? 1) * (kernelShape[3] ?? 1) : (kernelShape[3] ?? 1);
  const kernel = new Float32Array(kernelWeight.read().dataSync());
  const convBias = conv.weights.find((w) => w.originalName.endsWith('/bias'));
  const bias = convBias ? new Float32Array(convBias.read().dataSync()) : new Float32Array(channels);

  const stat = (suffix: string, fallback: number): Float32Array => {
    const weight = batchNorm.weights.find((w) => w.originalName.endsWith(`/${suffix}`));
    return weight ? new Float32Array(weight.read().dataSync()) : new Float32Array(channels).fill(fallback);
  };
  const gamma = stat('gamma', 1);
  const beta = stat('beta', 0);
  const mean = stat('moving_mean', 0);
  const variance = stat('moving_variance', 1);
  const epsilon = Number(batchNorm.getConfig().epsilon ?? 1e-3);

  const scale = gamma.map((g, c) => g / Math.sqrt((variance[c] as number) + epsilon));
  for (let i = 0; i < kernel.length; i++) kernel[i] = (kernel[i] as number) * (scale[i % channels] as number);
  const foldedBias = bias.map((b, c) => (b - (mean[c] as number)) * (scale[c] as number) + (beta[c] as number));

  const filter = tf.tensor4d(kernel, kernelShape as [number, number, number, number]);
  const biasTensor = tf.tensor1d(foldedBias);
  const config = conv.getConfig();
  const strides = pair(config.strides);
  const dilations = pair(config.dilationRate);
  const pad = config.padding === 'same' ? 'same' : 'valid';
  const run: Step['run'] = ([x]) => {
    const input = x as tf.Tensor4D;
    return depthwise
      ? tf.fused.depthwiseConv2d({ x: input, filter, strides, pad, dilations, bias: biasTensor, activation })
      : tf.fused.conv2d({ x: input, filter, strides, pad, dilations, bias: biasTensor, activation });
  };
  return { run, tensors: [filter, biasTensor] };
}

function pair(value: unknown): [number, number] {
  if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'number') return [value[0], value[1]];
  if (typeof value === 'number') return [value, value];
  return [1, 1];
}

/**
 * Runs steps on the seed tensors and returns the output layer's tensor. Each intermediate
 * tensor is freed after its last consumer, so peak memory stays near a few activations
 * rather than all of them (this matters for large batches on ResNet 50).
 */
function evaluate(steps: readonly Step[], seeds: ReadonlyMap<Layer, tf.Tensor>, output: Layer): tf.Tensor {
  const uses = new Map<Layer, number>();
  for (const step of steps) for (const source of step.sources) uses.set(source, (uses.get(source) ?? 0) + 1);
  const values = new Map<Layer, tf.Tensor>(seeds);
  const release = (layer: Layer): void => {
    const left = (uses.get(layer) ?? 0) - 1;
    uses.set(layer, left);
    if (left <= 0 && layer !== output && !seeds.has(layer)) {
      values.get(layer)?.dispose();
      values.delete(layer);
    }
  };
  try {
    for (const step of steps) {
      const inputs = step.sources.map((source) => {
        const value = values.get(source);
        if (!value) throw new Error(`inference plan: "${step.output.name}" runs before its input "${source.name}"`);
        return value;
      });
      values.set(step.output, step.run(inputs));
      for (const source of step.sources) release(source);
    }
    const result = values.get(output);
    if (!result) throw new Error(`inference plan: nothing computes "${output.name}"`);
    values.delete(output);
    return result;
  } finally {
    for (const [layer, tensor] of values) if (!seeds.has(layer)) tensor.dispose();
  }
}
