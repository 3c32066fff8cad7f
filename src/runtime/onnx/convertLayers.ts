/**
 * A TensorFlow.js layers model (Keras structure) → an ONNX graph that computes the same
 * function, for onnxruntime.
 *
 * Layout: Keras images are NHWC, ONNX's Conv and pooling ops are NCHW. The graph input is
 * transposed once; every rank-4 value then stays NCHW, and only a layer that depends on
 * NHWC element order (Flatten, Reshape, Dense on images) or the graph output goes back.
 * A transpose of a 1×1 image is a reshape, and is emitted as one (MobileNet's head).
 *
 * Folding: a batch norm that is the only consumer of a convolution becomes that
 * convolution's kernel and bias; a ZeroPadding2D that only feeds a convolution becomes its
 * pads. Any other batch norm is a Mul and an Add (DenseNet's BN → ReLU → conv).
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../common/errors';
import { nonNegative, outputShapeOf, pair, product, sourcesOf, text } from './kerasLayerConfig';
import { batchNormAffine, convWeights, denseWeights, foldBatchNorm } from './layerWeights';
import { GraphBuilder, float, int, ints, string } from './onnxGraph';
import type { OnnxGraph } from './onnxGraph';
import { pads2d } from './samePadding';

type Layer = tf.layers.Layer;

/** Bump when the converter's output changes for the same model: it is part of cache keys. */
export const CONVERTER_VERSION = '1';

export const SUPPORTED_LAYERS: readonly string[] = [
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'ZeroPadding2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Dense',
  'Flatten',
  'Reshape',
  'Dropout',
  'Add',
  'Multiply',
  'Concatenate',
];

/** Activations (Keras names) the converter emits ONNX ops for. */
const ACTIVATION_OPS: Readonly<Record<string, string>> = {
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  elu: 'Elu',
  selu: 'Selu',
  softplus: 'Softplus',
};

export class UnsupportedLayerError extends UserError {
  override readonly name: string = 'UnsupportedLayerError';

  constructor(
    readonly layerName: string,
    readonly className: string,
    reason?: string,
  ) {
    super(`layer "${layerName}" (${className}) cannot be compiled to ONNX${reason ? `: ${reason}` : ''}`);
  }
}

export interface ConvertOptions {
  /** Graph input = this layer's output (default: the model's input layer). Used to compile the head after the feature layer. */
  from?: string;
  /** Graph output = this layer's output (default: the model's output). */
  to?: string;
  /** NHWC shape without batch that the graph input takes, when it differs from the `from` layer's own output shape only by a reshape. */
  inputShape?: readonly number[];
  /** NHWC shape without batch to reshape the output to. */
  outputShape?: readonly number[];
  graphName: string;
}

const INPUT_NAME = 'input';
const OUTPUT_NAME = 'output';

/** A layer's output in the graph. Values of three dimensions (images, without batch) are NCHW in ONNX. */
interface Value {
  readonly name: string;
  /** Keras shape without the batch dimension, channels last. */
  readonly shape: readonly number[];
}

/** A ZeroPadding2D folded into the convolution after it: the value before padding and its pads. */
interface PendingPadding {
  readonly source: Value;
  readonly pads: readonly [top: number, left: number, bottom: number, right: number];
}

export function convertLayersModel(model: tf.LayersModel, options: ConvertOptions): OnnxGraph {
  return new Converter(model, options).convert();
}


class Converter {
  private readonly graph = new GraphBuilder([INPUT_NAME, OUTPUT_NAME]);
  private readonly values = new Map<Layer, Value>();
  private readonly pendingPadding = new Map<Layer, PendingPadding>();
  /** Layers computed by another layer's node (batch norms folded into their convolution). */
  private readonly absorbed = new Set<Layer>();
  private readonly consumers = new Map<Layer, Layer[]>();
  private readonly from: Layer;
  private readonly to: Layer;
  private readonly needed: Set<Layer>;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly options: ConvertOptions,
  ) {
    for (const layer of model.layers) {
      if (layer.inboundNodes.length > 1) throw new UserError(`layer "${layer.name}" is used more than once in the model; shared layers cannot be compiled to ONNX`);
      for (const source of sourcesOf(layer)) this.consumers.set(source, [...(this.consumers.get(source) ?? []), layer]);
    }
    this.from = options.from === undefined ? this.inputLayer() : this.layerNamed(options.from);
    this.to = options.to === undefined ? this.outputLayer() : this.layerNamed(options.to);
    this.needed = this.layersBetween();
  }

  convert(): OnnxGraph {
    const input = this.graphInput();
    this.values.set(this.from, input.value);
    for (const layer of this.model.layers) {
      if (!this.needed.has(layer) || layer === this.from || this.absorbed.has(layer)) continue;
      this.convertLayer(layer);
    }
    const last = this.values.get(this.to);
    if (!last) throw new Error(`ONNX conversion: nothing computes "${this.to.name}"`);
    let output = this.channelsLast(last, this.to.name);
    const outputShape = this.options.outputShape ?? last.shape;
    if (this.options.outputShape) {
      this.checkSameSize(last.shape, outputShape, `outputShape [${outputShape.join(', ')}]`, this.to);
      output = this.reshape(output, outputShape, `${this.to.name}_output`);
    }
    if (output === INPUT_NAME) output = this.graph.node('Identity', [output], 'identity');
    this.graph.rename(output, OUTPUT_NAME);
    return this.graph.build(this.options.graphName, [{ name: INPUT_NAME, shape: ['N', ...input.shape] }], [{ name: OUTPUT_NAME, shape: ['N', ...outputShape] }]);
  }

  private inputLayer(): Layer {
    // From the model's input tensors, not a search of its layers: a Sequential model's layers leave its InputLayer out.
    const inputs = this.model.inputs.map((input) => input.sourceLayer);
    if (inputs.length !== 1 || !inputs[0]) throw new UserError(`the model has ${inputs.length} input layers; ONNX compilation takes models with one input`);
    return inputs[0];
  }

  private outputLayer(): Layer {
    const outputs = this.model.outputs.map((output) => output.sourceLayer);
    if (outputs.length !== 1 || !outputs[0]) throw new UserError(`the model has ${outputs.length} outputs; ONNX compilation takes models with one output`);
    return outputs[0];
  }

  private layerNamed(name: string): Layer {
    const layer = this.model.layers.find((candidate) => candidate.name === name);
    if (!layer) throw new UserError(`the model has no layer named "${name}"`);
    return layer;
  }

  /** `to` and its ancestors down to `from`. */
  private layersBetween(): Set<Layer> {
    const seen = new Set<Layer>();
    const pending = [this.to];
    for (let next = pending.pop(); next; next = pending.pop()) {
      if (seen.has(next)) continue;
      seen.add(next);
      if (next === this.from) continue;
      const sources = sourcesOf(next);
      if (sources.length === 0) throw new UserError(`layer "${this.to.name}" does not depend only on layer "${this.from.name}": it also reads the input "${next.name}"`);
      pending.push(...sources);
    }
    return seen;
  }

  private graphInput(): { value: Value; shape: readonly number[] } {
    const native = outputShapeOf(this.from);
    const shape = this.options.inputShape ?? native;
    let name = INPUT_NAME;
    if (this.options.inputShape) {
      this.checkSameSize(shape, native, `inputShape [${shape.join(', ')}]`, this.from);
      name = this.reshape(name, native, `${this.from.name}_input`);
    }
    return { value: this.channelsFirst(name, native, `${this.from.name}_input`), shape };
  }

  private checkSameSize(a: readonly number[], b: readonly number[], what: string, layer: Layer): void {
    if (product(a) !== product(b)) throw new UserError(`${what} does not hold the ${product(b)} values of layer "${layer.name}"'s output [${b.join(', ')}]`);
  }

  private convertLayer(layer: Layer): void {
    const className = layer.getClassName();
    const config = layer.getConfig();
    if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') throw new UnsupportedLayerError(layer.name, className, `data format ${text(config.dataFormat)} (only channelsLast is)`);
    const inputs = sourcesOf(layer).map((source) => this.values.get(source));
    const x = inputs[0];
    if (className !== 'Conv2D' && className !== 'DepthwiseConv2D' && (!x || inputs.some((v) => v === undefined))) {
      throw new Error(`ONNX conversion: "${layer.name}" comes before its inputs`);
    }
    const shape = outputShapeOf(layer);
    const set = (name: string): void => void this.values.set(layer, { name, shape });
    const input = x as Value;
    switch (className) {
      case 'InputLayer':
        throw new UserError(`layer "${this.to.name}" depends on the input "${layer.name}" as well as on "${this.from.name}"`);
      case 'Conv2D':
      case 'DepthwiseConv2D':
        this.convolution(layer, className === 'DepthwiseConv2D');
        return;
      case 'BatchNormalization':
        return set(this.batchNorm(layer, input));
      case 'Activation':
        return set(this.activation(input, text(config.activation), layer));
      case 'ReLU':
        return set(this.relu(layer, input));
      case 'ZeroPadding2D':
        return this.zeroPadding(layer, input);
      case 'MaxPooling2D':
      case 'AveragePooling2D':
        return set(this.pooling(layer, input, className === 'MaxPooling2D'));
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        const pooled = this.graph.node(className === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool', [input.name], layer.name);
        return set(this.reshape(pooled, shape, `${layer.name}_flat`));
      }
      case 'Dense':
        return set(this.dense(layer, input, shape));
      case 'Flatten':
      case 'Reshape':
        return set(this.channelsFirst(this.reshape(this.channelsLast(input, layer.name), shape, layer.name), shape, layer.name).name);
      case 'Dropout':
        return set(input.name);
      case 'Add':
      case 'Multiply':
        return set(
          (inputs as Value[])
            .slice(1)
            .reduce((sum, next) => this.graph.node(className === 'Add' ? 'Add' : 'Mul', [sum, next.name], layer.name), input.name),
        );
      case 'Concatenate':
        return set(this.graph.node('Concat', (inputs as Value[]).map((v) => v.name), layer.name, { axis: int(this.onnxAxis(Number(config.axis ?? -1), input.shape.length)) }));
      default:
        throw new UnsupportedLayerError(layer.name, className);
    }
  }

  /** A Keras axis (counting the batch) as the ONNX axis of the same dimension, NCHW for images. */
  private onnxAxis(axis: number, rankWithoutBatch: number): number {
    const rank = rankWithoutBatch + 1;
    const positive = axis < 0 ? axis + rank : axis;
    if (rankWithoutBatch !== 3) return positive;
    return [0, 2, 3, 1][positive] ?? positive;
  }

  private onlyConsumer(layer: Layer): Layer | undefined {
    const list = this.consumers.get(layer) ?? [];
    return list.length === 1 && list[0] && this.needed.has(list[0]) ? list[0] : undefined;
  }

  private convolution(layer: Layer, depthwise: boolean): void {
    const config = layer.getConfig();
    const [source] = sourcesOf(layer);
    const padding = source ? this.pendingPadding.get(source) : undefined;
    const input = padding?.source ?? (source ? this.values.get(source) : undefined);
    if (!input) throw new Error(`ONNX conversion: "${layer.name}" comes before its input`);
    const [height = 0, width = 0] = input.shape;
    const extra = padding?.pads ?? [0, 0, 0, 0];
    const kernelSize = pair(config.kernelSize);
    const strides = pair(config.strides);
    const dilations = pair(config.dilationRate);
    const same = pads2d(text(config.padding), [height + extra[0] + extra[2], width + extra[1] + extra[3]], kernelSize, strides, dilations);
    const pads = same.map((p, i) => p + (extra[i] as number));

    const batchNorm = this.foldableBatchNorm(layer);
    let weights = convWeights(layer, depthwise);
    if (batchNorm) weights = foldBatchNorm(weights, batchNormAffine(batchNorm, weights.dims[0]));
    const kernel = this.graph.initializer(`${layer.name}_kernel`, weights.dims, weights.kernel);
    const bias = this.graph.initializer(`${layer.name}_bias`, [weights.dims[0]], weights.bias);
    const output = this.graph.node('Conv', [input.name, kernel, bias], (batchNorm ?? layer).name, {
      kernel_shape: ints(kernelSize),
      strides: ints(strides),
      dilations: ints(dilations),
      pads: ints(pads),
      group: int(weights.group),
    });
    const shape = outputShapeOf(layer);
    const activated = this.activation({ name: output, shape }, text(config.activation), layer);
    this.values.set(layer, { name: activated, shape });
    if (batchNorm) {
      this.values.set(batchNorm, { name: activated, shape });
      this.absorbed.add(batchNorm);
    }
  }

  /** The batch norm after `conv` that can be folded into it, if any. */
  private foldableBatchNorm(conv: Layer): Layer | undefined {
    if (conv === this.to || conv.getConfig().activation !== 'linear') return undefined;
    const next = this.onlyConsumer(conv);
    if (next?.getClassName() !== 'BatchNormalization' || !this.normalizesChannels(next)) return undefined;
    return next;
  }

  private normalizesChannels(batchNorm: Layer): boolean {
    const axis = batchNorm.getConfig().axis;
    const rank = outputShapeOf(batchNorm).length + 1;
    return axis === -1 || axis === rank - 1;
  }

  private batchNorm(layer: Layer, input: Value): string {
    if (!this.normalizesChannels(layer)) throw new UnsupportedLayerError(layer.name, 'BatchNormalization', `axis ${text(layer.getConfig().axis)} (only the last axis is supported)`);
    const channels = input.shape[input.shape.length - 1] ?? 1;
    const { scale, shift } = batchNormAffine(layer, channels);
    // Broadcast over NCHW needs [C, 1, 1]; other ranks keep channels last.
    const dims = input.shape.length === 3 ? [channels, 1, 1] : [channels];
    const scaled = this.graph.node('Mul', [input.name, this.graph.initializer(`${layer.name}_scale`, dims, scale)], `${layer.name}_mul`);
    return this.graph.node('Add', [scaled, this.graph.initializer(`${layer.name}_shift`, dims, shift)], layer.name);
  }

  private activation(input: Value, activation: string, layer: Layer): string {
    if (activation === 'linear') return input.name;
    if (activation === 'relu6') return this.clip(input.name, 6, `${layer.name}_relu6`);
    if (activation === 'softmax') return this.graph.node('Softmax', [input.name], `${layer.name}_softmax`, { axis: int(input.shape.length === 3 ? 1 : -1) });
    const op = ACTIVATION_OPS[activation];
    if (!op) throw new UnsupportedLayerError(layer.name, layer.getClassName(), `activation "${activation}" is not supported`);
    const name = layer.getClassName() === 'Activation' ? layer.name : `${layer.name}_${activation}`;
    return this.graph.node(op, [input.name], name, op === 'Elu' ? { alpha: float(1) } : {});
  }

  private relu(layer: Layer, input: Value): string {
    const maxValue = layer.getConfig().maxValue;
    if (maxValue === null || maxValue === undefined) return this.graph.node('Relu', [input.name], layer.name);
    return this.clip(input.name, Number(maxValue), layer.name);
  }

  private clip(input: string, max: number, name: string): string {
    const low = this.graph.initializer(`${name}_min`, [], Float32Array.of(0));
    const high = this.graph.initializer(`${name}_max`, [], Float32Array.of(max));
    return this.graph.node('Clip', [input, low, high], name);
  }

  private zeroPadding(layer: Layer, input: Value): void {
    const padding = layer.getConfig().padding as [[number, number], [number, number]];
    const [[top, bottom], [left, right]] = padding;
    const next = this.onlyConsumer(layer);
    const nextClass = next?.getClassName();
    if (layer !== this.to && (nextClass === 'Conv2D' || nextClass === 'DepthwiseConv2D')) {
      this.pendingPadding.set(layer, { source: input, pads: [top, left, bottom, right] });
      return;
    }
    const pads = this.graph.initializer(`${layer.name}_pads`, [8], BigInt64Array.from([0, 0, top, left, 0, 0, bottom, right].map(BigInt)));
    let padded = this.graph.node('Pad', [input.name, pads], layer.name, { mode: string('constant') });
    // onnxruntime (1.30) fuses Pad into a following MaxPool as MaxPool's own pads, which
    // are ignored (-inf) rather than zeros: wrong wherever a window holds padding and only
    // negative pixels, and a model it refuses to load when the pads reach the window size.
    // A one-input Concat (a copy) keeps them apart, unless the pixels cannot be negative and
    // the pads stay smaller than the window (ResNet and DenseNet), where the fusion is exact.
    if (next && nextClass === 'MaxPooling2D' && !(nonNegative(sourcesOf(layer)[0]) && this.poolPadsFit(next, outputShapeOf(layer), [top, left, bottom, right]))) {
      padded = this.graph.node('Concat', [padded], `${layer.name}_unfused`, { axis: int(1) });
    }
    this.values.set(layer, { name: padded, shape: outputShapeOf(layer) });
  }

  /** Whether `extra` pads added to a pooling layer's own stay smaller than its window. */
  private poolPadsFit(pool: Layer, inputShape: readonly number[], extra: readonly number[]): boolean {
    const config = pool.getConfig();
    const kernel = pair(config.poolSize);
    const [height = 0, width = 0] = inputShape;
    const own = pads2d(text(config.padding), [height, width], kernel, pair(config.strides ?? config.poolSize));
    return own.every((p, i) => p + (extra[i] as number) < (kernel[i % 2] as number));
  }

  private pooling(layer: Layer, input: Value, max: boolean): string {
    const config = layer.getConfig();
    const kernel = pair(config.poolSize);
    const strides = pair(config.strides ?? config.poolSize);
    const [height = 0, width = 0] = input.shape;
    const attributes = { kernel_shape: ints(kernel), strides: ints(strides), pads: ints(pads2d(text(config.padding), [height, width], kernel, strides)) };
    // Keras averages over the window's pixels inside the image only ('same' padding is not counted).
    return max ? this.graph.node('MaxPool', [input.name], layer.name, attributes) : this.graph.node('AveragePool', [input.name], layer.name, { ...attributes, count_include_pad: int(0) });
  }

  /** Gemm on [batch, features]; a Dense on higher ranks applies to the last axis, so the other axes are folded into the batch. */
  private dense(layer: Layer, input: Value, shape: readonly number[]): string {
    const { kernel, dims, bias } = denseWeights(layer);
    const flat = input.shape.length === 1;
    const x = flat ? input.name : this.reshape(this.channelsLast(input, layer.name), [dims[1]], `${layer.name}_rows`, -1);
    const weight = this.graph.initializer(`${layer.name}_kernel`, dims, kernel);
    const inputs = bias ? [x, weight, this.graph.initializer(`${layer.name}_bias`, [dims[0]], bias)] : [x, weight];
    let y = this.graph.node('Gemm', inputs, layer.name, { transB: int(1) });
    if (!flat) y = this.channelsFirst(this.reshape(y, shape, `${layer.name}_unfold`, -1), shape, layer.name).name;
    return this.activation({ name: y, shape }, text(layer.getConfig().activation), layer);
  }

  /** Reshape keeping the batch (0 copies it), or with the batch inferred (-1) when rows are regrouped. */
  private reshape(input: string, shape: readonly number[], name: string, batch: 0 | -1 = 0): string {
    const target = this.graph.initializer(`${name}_shape`, [shape.length + 1], BigInt64Array.from([batch, ...shape].map(BigInt)));
    return this.graph.node('Reshape', [input, target], `${name}_reshape`);
  }

  /** A channels-last value as the graph keeps it: NCHW when it is an image, as it is otherwise. */
  private channelsFirst(input: string, shape: readonly number[], name: string): Value {
    if (shape.length !== 3) return { name: input, shape };
    const [height, width, channels = 1] = shape;
    const moved = height === 1 && width === 1 ? this.reshape(input, [channels, 1, 1], `${name}_nchw`) : this.graph.node('Transpose', [input], `${name}_nchw`, { perm: ints([0, 3, 1, 2]) });
    return { name: moved, shape };
  }

  /** The value in Keras element order (NHWC for images). */
  private channelsLast(value: Value, name: string): string {
    if (value.shape.length !== 3) return value.name;
    const [height, width] = value.shape;
    return height === 1 && width === 1 ? this.reshape(value.name, value.shape, `${name}_nhwc`) : this.graph.node('Transpose', [value.name], `${name}_nhwc`, { perm: ints([0, 2, 3, 1]) });
  }
}
