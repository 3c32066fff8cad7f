/**
 * The classifier head trained on frozen features: softmax(dense(x)), optionally with one
 * ReLU hidden layer first, dropout on what the last layer takes. Trained with TensorFlow.js
 * in process (Adam, cross-entropy, mini-batches), on the backend the runtime uses.
 *
 * The loop is written here rather than with `model.fit` because fit shuffles with
 * Math.random and a seeded Dropout layer draws the same mask at every step: with our own
 * seeded generator for initial weights, shuffling and dropout masks, one seed gives one
 * classifier. The epoch with the best validation accuracy (ties: lower validation loss;
 * without validation, the lowest training loss) is the one kept, also when training is
 * stopped early.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../runtime/backend';
import type { HeadOptions } from './headOptions';
import type { Random } from './random';
import { seededRandom, shuffle } from './random';


export interface Examples {
  /** One row of features per example. */
  x: Float32Array[];
  /** Class index per example. */
  y: number[];
}

export interface EpochStats {
  epoch: number;
  loss: number;
  accuracy: number;
  validation_loss?: number;
  validation_accuracy?: number;
}

/** A dense layer's weights: kernel [inputs, units] row-major, bias [units]. */
export interface DenseWeights {
  inputs: number;
  units: number;
  kernel: Float32Array;
  bias: Float32Array;
}

export interface TrainedHead {
  /** The layers in order (hidden first when there is one); the last ends in softmax. */
  layers: DenseWeights[];
  history: EpochStats[];
  /** 1-based epoch whose weights `layers` holds. */
  bestEpoch: number;
  /** True when the signal stopped training before the last epoch. */
  stopped: boolean;
}

export interface TrainHooks {
  onEpoch?: (stats: EpochStats, best: boolean) => void;
  signal?: AbortSignal;
}

export async function trainHead(train: Examples, validation: Examples, classes: number, options: HeadOptions, hooks: TrainHooks = {}): Promise<TrainedHead> {
  await initBackend();
  const random = seededRandom(options.seed);
  const inputs = train.x[0]?.length ?? 0;
  const shapes = options.hidden > 0 ? [[inputs, options.hidden], [options.hidden, classes]] : [[inputs, classes]];
  const variables = shapes.map(([fanIn, units]) => ({
    kernel: tf.variable(tf.tensor2d(glorotUniform(fanIn as number, units as number, random), [fanIn as number, units as number])),
    bias: tf.variable(tf.zeros<tf.Rank.R1>([units as number])),
  }));
  const optimizer = tf.train.adam(options.learningRate);
  const trainX = tf.tensor2d(concat(train.x), [train.x.length, inputs]);
  const trainY = tf.oneHot(tf.tensor1d(train.y, 'int32'), classes) as tf.Tensor2D;
  const validationX = validation.x.length > 0 ? tf.tensor2d(concat(validation.x), [validation.x.length, inputs]) : undefined;
  const validationY = validation.x.length > 0 ? (tf.oneHot(tf.tensor1d(validation.y, 'int32'), classes) as tf.Tensor2D) : undefined;
  const lastInputs = shapes[shapes.length - 1]?.[0] ?? inputs;

  const forward = (x: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor2D => {
    let h = x;
    variables.forEach((layer, i) => {
      const last = i === variables.length - 1;
      if (last && mask) h = tf.mul(h, mask);
      const z = tf.add<tf.Tensor2D>(tf.matMul(h, layer.kernel), layer.bias);
      h = last ? z : tf.relu(z);
    });
    return h; // logits
  };
  const measure = (x: tf.Tensor2D, y: tf.Tensor2D): { loss: number; accuracy: number } =>
    tf.tidy(() => {
      const logits = forward(x);
      const loss = tf.losses.softmaxCrossEntropy(y, logits).dataSync()[0] ?? Number.NaN;
      const correct = tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1)).sum().dataSync()[0] ?? 0;
      return { loss, accuracy: correct / x.shape[0] };
    });

  const history: EpochStats[] = [];
  let best: { stats: EpochStats; layers: DenseWeights[] } | undefined;
  let stopped = false;
  try {
    const order = Array.from(train.x.keys());
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      if (hooks.signal?.aborted) {
        stopped = true;
        break;
      }
      shuffle(order, random);
      for (let start = 0; start < order.length; start += options.batchSize) {
        const rows = order.slice(start, start + options.batchSize);
        const mask = options.dropout > 0 ? dropoutMask(rows.length, lastInputs, options.dropout, random) : undefined;
        tf.tidy(() => {
          const indices = tf.tensor1d(rows, 'int32');
          const x = tf.gather<tf.Tensor2D>(trainX, indices);
          const y = tf.gather<tf.Tensor2D>(trainY, indices);
          const maskTensor = mask ? tf.tensor2d(mask, [rows.length, lastInputs]) : undefined;
          optimizer.minimize(() => tf.losses.softmaxCrossEntropy<tf.Tensor2D, tf.Scalar>(y, forward(x, maskTensor)));
        });
        // Let a Ctrl-C (or a cancel from the editor) be seen between steps.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const trained = measure(trainX, trainY);
      const stats: EpochStats = { epoch, ...trained };
      if (validationX && validationY) {
        const checked = measure(validationX, validationY);
        stats.validation_loss = checked.loss;
        stats.validation_accuracy = checked.accuracy;
      }
      history.push(stats);
      const isBest = best === undefined || better(stats, best.stats);
      if (isBest) best = { stats, layers: snapshot(variables) };
      hooks.onEpoch?.(stats, isBest);
    }
  } finally {
    for (const layer of variables) {
      layer.kernel.dispose();
      layer.bias.dispose();
    }
    optimizer.dispose();
    tf.dispose([trainX, trainY, ...(validationX ? [validationX] : []), ...(validationY ? [validationY] : [])]);
  }
  if (!best) {
    // Stopped before the first epoch ended: there is no classifier to keep.
    return { layers: [], history, bestEpoch: 0, stopped: true };
  }
  return { layers: best.layers, history, bestEpoch: best.stats.epoch, stopped: stopped || history.length < options.epochs };
}

/** Class probabilities of each row, computed with the kept weights (as the deployed head will). */
export function predictHead(head: TrainedHead, rows: readonly Float32Array[]): Float32Array[] {
  if (rows.length === 0) return [];
  const inputs = head.layers[0]?.inputs ?? 0;
  return tf.tidy(() => {
    let h: tf.Tensor2D = tf.tensor2d(concat(rows), [rows.length, inputs]);
    head.layers.forEach((layer, i) => {
      const z = tf.add<tf.Tensor2D>(tf.matMul(h, tf.tensor2d(layer.kernel, [layer.inputs, layer.units])), tf.tensor1d(layer.bias));
      h = i === head.layers.length - 1 ? tf.softmax(z) : tf.relu(z);
    });
    const values = h.dataSync() as Float32Array;
    const classes = h.shape[1];
    return rows.map((_, r) => values.slice(r * classes, (r + 1) * classes));
  });
}

function better(candidate: EpochStats, current: EpochStats): boolean {
  if (candidate.validation_accuracy !== undefined && current.validation_accuracy !== undefined) {
    if (candidate.validation_accuracy !== current.validation_accuracy) return candidate.validation_accuracy > current.validation_accuracy;
    return (candidate.validation_loss ?? Infinity) < (current.validation_loss ?? Infinity);
  }
  return candidate.loss < current.loss;
}

function snapshot(variables: readonly { kernel: tf.Variable<tf.Rank.R2>; bias: tf.Variable<tf.Rank.R1> }[]): DenseWeights[] {
  return variables.map((layer) => ({
    inputs: layer.kernel.shape[0],
    units: layer.kernel.shape[1],
    kernel: layer.kernel.dataSync() as Float32Array,
    bias: layer.bias.dataSync() as Float32Array,
  }));
}

/** Glorot (Xavier) uniform, as Keras initializes Dense kernels. */
function glorotUniform(fanIn: number, fanOut: number, random: Random): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: fanIn * fanOut }, () => (random() * 2 - 1) * limit);
}

/** Inverted dropout: kept inputs are scaled by 1 / (1 - rate), so inference needs no scaling. */
function dropoutMask(rows: number, columns: number, rate: number, random: Random): Float32Array {
  const keep = 1 / (1 - rate);
  return Float32Array.from({ length: rows * columns }, () => (random() < rate ? 0 : keep));
}

function concat(rows: readonly Float32Array[]): Float32Array {
  const width = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => out.set(row, i * width));
  return out;
}
