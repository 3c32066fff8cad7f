/** How the classifier head is trained, and the defaults: apart from head.ts, so that reading them loads no TensorFlow.js. */
export interface HeadOptions {
  epochs: number;
  /** Units of the hidden layer; 0 for none (a single dense layer). */
  hidden: number;
  /** Fraction of the last layer's inputs dropped at each training step. */
  dropout: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_HEAD_OPTIONS: Omit<HeadOptions, 'seed'> = { epochs: 20, hidden: 0, dropout: 0.2, batchSize: 16, learningRate: 0.001 };

/** What a training writes beside its pipeline: the history, the split and the validation evaluation. */
export const TRAINING_RECORD_FILE = 'training.json';
