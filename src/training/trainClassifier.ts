/**
 * `fpga train` without the terminal: a dataset folder in, a deployable pipeline out.
 *
 *   scan the folder → split (stratified, by group, seeded) → features of every image (and
 *   of the augmented variants of training images), cached → train the head → write the
 *   pipeline: `<name>.pipeline.json` (the featurizer's conventional pre-processing, the
 *   accelerated featurizer, the trained head as its classifier stage), `labels.txt`,
 *   `head/model.json` + `head/weights.bin`, and `training.json` (the history, the split and
 *   the validation evaluation, which the reports show).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../common/errors';
import { conventionalPreprocess } from '../pipeline/featurizers';
import type { PipelineFile, Precision } from '../pipeline/types';
import type { StageEngineInfo } from '../runtime/engines/stageEngine';
import { AUGMENTATIONS, ORIGINAL } from './augment';
import type { Variant } from './augment';
import type { Dataset, DatasetImage, SkippedFile } from './dataset';
import { imagesPerClass, requireTrainable, scanDataset } from './dataset';
import { evaluate } from './evaluation';
import type { Evaluation, ScoredImage } from './evaluation';
import { findCatalogFeaturizer, openFeaturizer } from './featureExtractor';
import type { ExtractionProgress, FeatureRequest, FeaturizerSetup } from './featureExtractor';
import { predictHead, trainHead } from './head';
import type { DenseWeights, EpochStats } from './head';
import { DEFAULT_HEAD_OPTIONS, TRAINING_RECORD_FILE } from './headOptions';
import type { HeadOptions } from './headOptions';
import { splitDataset } from './split';
import { HEAD_INPUT_TENSOR, HEAD_MODEL_FILE, HEAD_OUTPUT_TENSOR, writeHeadModel } from './headModel';

const LABELS_FILE = 'labels.txt';
const HEAD_FOLDER = 'head';
export const DEFAULT_VALIDATION_SPLIT = 0.2;
export const DEFAULT_SEED = 42;

export interface TrainOptions extends FeaturizerSetup, Partial<Omit<HeadOptions, 'seed'>> {
  dataset: string;
  /** Folder of the pipeline and its files (default: `<dataset>-classifier` beside the dataset). */
  output?: string;
  validationSplit?: number;
  augment?: boolean;
  seed?: number;
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
}

export type TrainEvent =
  | { type: 'dataset'; dataset: DatasetSummary }
  | { type: 'featurizer'; featurizer: string; engine: StageEngineInfo; synthetic: boolean }
  | { type: 'features'; progress: ExtractionProgress }
  | { type: 'epoch'; stats: EpochStats; best: boolean; epochs: number };

export interface DatasetSummary {
  root: string;
  classes: { class: string; images: number }[];
  skipped: SkippedFile[];
  train: number;
  validation: number;
}

export interface TrainResult {
  classes: string[];
  images: number;
  train_accuracy: number;
  validation_accuracy: number | null;
  /** Epochs run (fewer than asked when stopped). */
  epochs: number;
  best_epoch: number;
  stopped: boolean;
  pipeline: string;
  features_computed: number;
  features_cached: number;
}

/** What `training.json` holds: enough to draw the report again without training. */
export interface TrainingRecord {
  format: 1;
  dataset: DatasetSummary;
  featurizer: string;
  precision: Precision;
  engine: StageEngineInfo;
  synthetic: boolean;
  options: { epochs: number; validation_split: number; augment: boolean; seed: number; hidden: number; dropout: number; batch_size: number; learning_rate: number };
  history: EpochStats[];
  result: TrainResult;
  validation: Evaluation | null;
  /** Mistaken validation images' paths, for thumbnails. */
  validation_paths: Record<string, string>;
}

export async function trainClassifier(options: TrainOptions): Promise<{ result: TrainResult; record: TrainingRecord }> {
  const root = resolve(options.dataset);
  const output = resolve(options.output ?? join(dirname(root), `${basename(root)}-classifier`));
  const inside = relative(root, output);
  if (inside === '' || (!inside.startsWith('..') && !inside.startsWith(sep) && !inside.includes(`..${sep}`))) {
    throw new UserError(`the output folder ${output} is inside the dataset ${root}, where it would be read as a class: choose another with -o`);
  }
  const head: HeadOptions = {
    epochs: options.epochs ?? DEFAULT_HEAD_OPTIONS.epochs,
    hidden: options.hidden ?? DEFAULT_HEAD_OPTIONS.hidden,
    dropout: options.dropout ?? DEFAULT_HEAD_OPTIONS.dropout,
    batchSize: options.batchSize ?? DEFAULT_HEAD_OPTIONS.batchSize,
    learningRate: options.learningRate ?? DEFAULT_HEAD_OPTIONS.learningRate,
    seed: options.seed ?? DEFAULT_SEED,
  };
  if (!(head.dropout >= 0 && head.dropout < 1)) throw new UserError(`--dropout ${head.dropout} is not a fraction: give a number from 0 to below 1, e.g. 0.2`);
  const fraction = options.validationSplit ?? DEFAULT_VALIDATION_SPLIT;
  const emit = options.onEvent ?? ((): void => undefined);

  const dataset = await scanDataset(root);
  requireTrainable(dataset);
  const split = splitDataset(dataset, fraction, head.seed);
  const summary = summarize(dataset, split.train.length, split.validation.length);
  emit({ type: 'dataset', dataset: summary });

  const featurizer = await openFeaturizer(options);
  let trainFeatures: { x: Float32Array[]; y: number[] };
  let validationFeatures: Float32Array[];
  let computed: number;
  let cached: number;
  try {
    emit({ type: 'featurizer', featurizer: featurizer.info.name, engine: featurizer.engine, synthetic: featurizer.synthetic });
    const variants: readonly Variant[] = options.augment ? [ORIGINAL, ...AUGMENTATIONS] : [ORIGINAL];
    const trainRequests = split.train.flatMap((image) => variants.map((variant) => request(image, variant)));
    const requests = [...trainRequests, ...split.validation.map((image) => request(image, ORIGINAL))];
    const extracted = await featurizer
      .extract(requests, { ...(options.signal ? { signal: options.signal } : {}), onProgress: (progress) => emit({ type: 'features', progress }) })
      .catch((error: unknown) => {
        if (options.signal?.aborted) throw new UserError('stopped while computing features; those computed so far are cached, so running again continues from there');
        throw error;
      });
    ({ computed, cached } = extracted);
    trainFeatures = { x: extracted.features.slice(0, trainRequests.length), y: split.train.flatMap((image) => variants.map(() => image.classIndex)) };
    validationFeatures = extracted.features.slice(trainRequests.length);
  } finally {
    await featurizer.dispose();
  }

  const trained = await trainHead(trainFeatures, { x: validationFeatures, y: split.validation.map((image) => image.classIndex) }, dataset.classes.length, head, {
    ...(options.signal ? { signal: options.signal } : {}),
    onEpoch: (stats, best) => emit({ type: 'epoch', stats, best, epochs: head.epochs }),
  });
  if (trained.layers.length === 0) throw new UserError('stopped before the first epoch ended: no classifier was written');
  const best = trained.history.find((stats) => stats.epoch === trained.bestEpoch) as EpochStats;
  const validation = split.validation.length > 0 ? evaluate(dataset.classes, scoreValidation(split.validation, predictHead(trained, validationFeatures), dataset.classes)) : undefined;

  const pipelinePath = await writePipeline(output, dataset, featurizer.info.name, featurizer.version, featurizer.precision, featurizer.info.featureShape, trained.layers, best);
  const result: TrainResult = {
    classes: dataset.classes,
    images: dataset.images.length,
    train_accuracy: best.accuracy,
    validation_accuracy: best.validation_accuracy ?? null,
    epochs: trained.history.length,
    best_epoch: trained.bestEpoch,
    stopped: trained.stopped,
    pipeline: pipelinePath,
    features_computed: computed,
    features_cached: cached,
  };
  const record: TrainingRecord = {
    format: 1,
    dataset: summary,
    featurizer: featurizer.info.name,
    precision: featurizer.precision,
    engine: featurizer.engine,
    synthetic: featurizer.synthetic,
    options: { epochs: head.epochs, validation_split: fraction, augment: options.augment ?? false, seed: head.seed, hidden: head.hidden, dropout: head.dropout, batch_size: head.batchSize, learning_rate: head.learningRate },
    history: trained.history,
    result,
    validation: validation?.evaluation ?? null,
    validation_paths: validation?.paths ?? {},
  };
  await writeFile(join(output, TRAINING_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
  return { result, record };
}

function request(image: DatasetImage, variant: Variant): FeatureRequest {
  return { path: image.path, sha256: image.sha256, variant };
}

function summarize(dataset: Dataset, train: number, validation: number): DatasetSummary {
  const counts = imagesPerClass(dataset);
  return { root: dataset.root, classes: dataset.classes.map((label, i) => ({ class: label, images: counts[i] ?? 0 })), skipped: dataset.skipped, train, validation };
}

function scoreValidation(images: readonly DatasetImage[], probabilities: readonly Float32Array[], classes: readonly string[]): ScoredImage[] {
  return images.map((image, i) => {
    const row = probabilities[i] ?? new Float32Array(classes.length);
    const top = Array.from(row.keys())
      .sort((a, b) => (row[b] as number) - (row[a] as number))
      .slice(0, 3)
      .map((index) => ({ label: classes[index] ?? '', score: row[index] as number }));
    return { image: image.name, path: image.path, expected: image.label, top };
  });
}

/** A pipeline name from the dataset folder's name: letters, digits, `.`, `_` and `-`. */
export function trainedPipelineName(datasetRoot: string): string {
  const stem = basename(datasetRoot).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 50);
  return `${stem === '' ? 'dataset' : stem}-classifier`;
}

async function writePipeline(
  output: string,
  dataset: Dataset,
  featurizerName: string,
  version: string,
  precision: Precision,
  featureShape: readonly number[],
  layers: readonly DenseWeights[],
  best: EpochStats,
): Promise<string> {
  await mkdir(output, { recursive: true });
  await writeHeadModel(join(output, HEAD_FOLDER), featureShape, layers);
  await writeFile(join(output, LABELS_FILE), `${dataset.classes.join('\n')}\n`);
  const name = trainedPipelineName(dataset.root);
  const info = findCatalogFeaturizer(featurizerName);
  const accuracy = best.validation_accuracy !== undefined ? `validation accuracy ${(best.validation_accuracy * 100).toFixed(1)}%` : `training accuracy ${(best.accuracy * 100).toFixed(1)}%`;
  const pipeline: PipelineFile = {
    name,
    description: `${dataset.classes.length} classes (${dataset.classes.join(', ')}) trained by fpga train on ${dataset.images.length} images of ${basename(dataset.root)} over ${info.displayName} ${precision}; ${accuracy} at epoch ${best.epoch}.`,
    stages: [
      conventionalPreprocess(info),
      { type: 'accelerated', name: 'featurizer', model: info.name, version, precision },
      {
        type: 'classifier',
        name: 'classifier',
        model: `${HEAD_FOLDER}/${HEAD_MODEL_FILE}`,
        inputTensor: HEAD_INPUT_TENSOR,
        outputTensor: HEAD_OUTPUT_TENSOR,
        inputShape: [...featureShape],
        classes: dataset.classes.length,
      },
    ],
    labels: LABELS_FILE,
    topK: Math.min(5, dataset.classes.length),
  };
  const path = join(output, `${name}.pipeline.json`);
  await writeFile(path, `${JSON.stringify(pipeline, null, 2)}\n`);
  return path;
}
