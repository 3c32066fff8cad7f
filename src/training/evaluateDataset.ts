/**
 * Scores every image of a dataset folder with a model — a pipeline or model_def.zip loaded
 * in this process, or a deployed service — and evaluates the answers (evaluation.ts).
 * Where the scoring happens is a `Scorer`; the evaluation is the same for all of them.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { UserError } from '../common/errors';
import { readModelDef, readModelDefFile } from '../pipeline/modelDefReader';
import type { ModelDef } from '../pipeline/modelDefReader';
import { packagePipeline } from '../pipeline/packager';
import type { Dataset, DatasetImage } from './dataset';
import { evaluate } from './evaluation';
import type { EvaluationWithPaths, Guess, ScoredImage } from './evaluation';

/** How many guesses each mistake lists. */
export const TOP = 3;

export interface Scorer {
  /** What ran the model, for reports: `pipeline x on onnxruntime fp32`, `service y`. */
  readonly description: string;
  /** The class names the model can answer, when known (a service does not list them). */
  readonly labels?: readonly string[];
  /** Images per call. */
  readonly batchSize: number;
  /** Each image's best guesses, best first. */
  score(images: readonly { path: string; bytes: Uint8Array }[]): Promise<Guess[][]>;
  dispose(): void;
}

export interface EvaluateProgress {
  done: number;
  total: number;
}

export interface DatasetEvaluation extends EvaluationWithPaths {
  /** Dataset classes the model has no label for: their images can only be mistakes. */
  unknownClasses: string[];
}

export async function evaluateDataset(
  dataset: Dataset,
  scorer: Scorer,
  options: { signal?: AbortSignal; onProgress?: (progress: EvaluateProgress) => void } = {},
): Promise<DatasetEvaluation> {
  const scored: ScoredImage[] = [];
  options.onProgress?.({ done: 0, total: dataset.images.length });
  for (let start = 0; start < dataset.images.length; start += scorer.batchSize) {
    options.signal?.throwIfAborted();
    const batch = dataset.images.slice(start, start + scorer.batchSize);
    const inputs = await Promise.all(batch.map(async (image) => ({ path: image.path, bytes: await readImage(image) })));
    const guesses = await scorer.score(inputs);
    batch.forEach((image, i) => scored.push({ image: image.name, path: image.path, expected: image.label, top: guesses[i] ?? [] }));
    options.onProgress?.({ done: scored.length, total: dataset.images.length });
  }
  const unknownClasses = scorer.labels ? dataset.classes.filter((label) => !scorer.labels?.includes(label)) : [];
  return { ...evaluate(dataset.classes, scored), unknownClasses };
}

/** A `*.pipeline.json` (packaged in memory) or a model_def.zip. */
export async function readModelTarget(target: string): Promise<ModelDef> {
  if (!existsSync(target)) throw new UserError(`${target} does not exist: give a *.pipeline.json file or a model_def.zip`);
  if (target.toLowerCase().endsWith('.zip')) return readModelDefFile(target);
  return readModelDef((await packagePipeline(target)).zip);
}

/**
 * A deployed service, through whatever classifies with it (a workspace's classify call).
 * `classes`: how many it scores, when known (a service refuses a top larger than that).
 */
export function serviceScorer(service: string, classes: number | null, classify: (image: Uint8Array, top: number) => Promise<Guess[]>): Scorer {
  const top = Math.min(TOP, classes ?? TOP);
  return {
    description: `service ${service}`,
    batchSize: 1,
    score: async (images) => {
      const guesses: Guess[][] = [];
      for (const image of images) guesses.push(await classify(image.bytes, top).catch(imageFailure(image.path)));
      return guesses;
    },
    dispose: () => undefined,
  };
}

export function imageFailure(path: string): (error: unknown) => never {
  return (error) => {
    throw error instanceof UserError ? new UserError(`${path}: ${error.message}`) : error;
  };
}

async function readImage(image: DatasetImage): Promise<Uint8Array> {
  try {
    return await readFile(image.path);
  } catch (error) {
    throw new UserError(`cannot read ${image.path} (${(error as NodeJS.ErrnoException).code ?? String(error)}): was it moved or deleted?`);
  }
}
