/** What the converter reads from Keras layers: their graph links, output shapes and config values. */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../common/errors';

type Layer = tf.layers.Layer;

/** The layers whose outputs this layer reads (the converter refuses shared layers, so the first inbound node is the only one). */
export function sourcesOf(layer: Layer): Layer[] {
  return layer.inboundNodes[0]?.inboundLayers ?? [];
}

/** The output shape without the batch; the converter needs every size known to place 'same' pads. */
export function outputShapeOf(layer: Layer): number[] {
  const shape = (layer.outputShape as (number | null)[]).slice(1);
  if (shape.some((d) => d === null)) throw new UserError(`layer "${layer.name}" has an output shape with unknown sizes, [${shape.join(', ')}]: ONNX compilation needs a fixed input size`);
  return shape as number[];
}

/** A Keras size, stride or dilation: one number for both axes, or [height, width]. */
export function pair(value: unknown): [number, number] {
  if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'number') return [value[0], value[1]];
  if (typeof value === 'number') return [value, value];
  return [1, 1];
}

/** Whether a layer's output is never negative (ReLU, ReLU6, sigmoid or softmax, alone or as a layer's activation). */
export function nonNegative(layer: Layer | undefined): boolean {
  if (!layer) return false;
  const config = layer.getConfig();
  if (layer.getClassName() === 'ReLU') return true;
  return ['relu', 'relu6', 'sigmoid', 'softmax'].includes(text(config.activation));
}

/** A config value as text: strings as they are, anything else as JSON (never "[object Object]"). */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined';
}

/** How many values a shape holds. */
export const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);
