/**
 * A stage on TensorFlow.js: the reference engine, and where a stage runs when ONNX Runtime
 * cannot take it. Runs synchronously on the process's (or worker's) backend.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../common/errors';
import type { Precision } from '../../pipeline/types';
import type { BackendName } from '../types';
import type { EngineName, StageEngine } from './stageEngine';
import { elementCount } from './stageEngine';

export interface TfjsStageOptions {
  readonly name: string;
  readonly backend: BackendName;
  readonly precision: Precision;
  /** Without the batch dimension; at most one -1, resolved from each batch's size. */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** [N, ...inputShape] → [N, ...]; the caller's tidy frees everything but the result. */
  readonly predict: (x: tf.Tensor) => tf.Tensor;
  readonly dispose: () => void;
  readonly note?: string;
}

export function tfjsStage(options: TfjsStageOptions): StageEngine {
  let disposed = false;
  return {
    engine: `tfjs-${options.backend}` satisfies EngineName,
    precision: options.precision,
    inputShape: options.inputShape,
    outputShape: options.outputShape,
    ...(options.note !== undefined ? { note: options.note } : {}),
    run: (input, batchSize) => {
      const shape = [batchSize, ...resolveOpenDimension(options.name, options.inputShape, input.length / batchSize)];
      const output = tf.tidy(() => options.predict(tf.tensor(input, shape, 'float32')));
      try {
        return Promise.resolve(output.dataSync() as Float32Array);
      } finally {
        output.dispose();
      }
    },
    dispose: () => {
      if (!disposed) options.dispose();
      disposed = true;
      return Promise.resolve();
    },
  };
}

/** The stage's input shape with its one open (-1) dimension filled in from the item size. */
export function resolveOpenDimension(stage: string, shape: readonly number[], itemSize: number): number[] {
  const open = shape.filter((d) => d < 0).length;
  const fixed = elementCount(shape.filter((d) => d >= 0));
  const fits = open === 0 ? fixed === itemSize : open === 1 && fixed > 0 && itemSize % fixed === 0;
  if (!fits || !Number.isInteger(itemSize)) {
    throw new UserError(`stage "${stage}" takes [${shape.join(', ')}] but receives ${itemSize} values per item`);
  }
  return shape.map((d) => (d < 0 ? itemSize / fixed : d));
}
