/**
 * What the schema cannot say: stage order, shapes that chain from one stage to the next,
 * the featurizer catalog, files on disk, label counts. Works on whatever the document
 * holds, skipping parts the schema already rejects, so the editor gets feedback while a
 * file is half written.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Node } from 'jsonc-parser';
import { closestName } from '../common/didYouMean';
import { FEATURIZERS, findFeaturizer } from './featurizers';
import type { FeaturizerInfo } from './featurizers';
import { spanOfPath, toPointer } from './jsonPositions';
import type { PathSegment } from './jsonPositions';
import type { Problem } from './problems';
import { formatShape, shapesCompatible } from './shapes';
import type { Shape } from './shapes';
import { readTfjsModelFiles } from './tfjsModelFiles';
import { DEFAULT_CLASSIFIER, DEFAULT_TOP_K, IMAGENET_LABELS, STAGE_TYPES } from './types';
import type { StageType } from './types';

type Json = Record<string, unknown>;

interface Context {
  text: string;
  root: Node | undefined;
  baseDir: string;
  problems: Problem[];
}

export function semanticProblems(text: string, root: Node | undefined, value: unknown, pipelinePath: string): Problem[] {
  const ctx: Context = { text, root, baseDir: dirname(resolve(pipelinePath)), problems: [] };
  if (!isObject(value)) return ctx.problems;
  const stages = value.stages;
  let classes: number | undefined;
  if (Array.isArray(stages)) {
    if (stages.length === 0) {
      report(ctx, ['stages'], 'the pipeline has no stages: add a preprocess, an accelerated and a classifier stage');
    }
    checkStageNames(ctx, stages);
    classes = checkStages(ctx, stages);
  }
  checkLabels(ctx, value.labels, classes);
  checkTopK(ctx, value.topK, classes);
  return ctx.problems;
}

function report(ctx: Context, path: PathSegment[], message: string, severity: Problem['severity'] = 'error'): void {
  ctx.problems.push({ message, pointer: toPointer(path), ...spanOfPath(ctx.text, ctx.root, path), severity, source: 'semantic' });
}

function checkStageNames(ctx: Context, stages: unknown[]): void {
  const firstIndex = new Map<string, number>();
  stages.forEach((stage, i) => {
    const name = isObject(stage) ? stage.name : undefined;
    if (typeof name !== 'string') return;
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, i);
    else report(ctx, ['stages', i, 'name'], `duplicate stage name "${name}": stages[${first}] already uses it`);
  });
}

/** Walks the stages in order, tracking the shape each one hands on; returns the class count. */
function checkStages(ctx: Context, stages: unknown[]): number | undefined {
  let shape: Shape | undefined;
  let producer = 'the input';
  let featurizer: FeaturizerInfo | undefined;
  let preprocess: { stage: Json; index: number } | undefined;
  let classes: number | undefined;
  const last = stages.length - 1;

  stages.forEach((stage, i) => {
    if (!isObject(stage)) return;
    const at = (...rest: PathSegment[]): PathSegment[] => ['stages', i, ...rest];
    const label = typeof stage.name === 'string' ? `stage "${stage.name}"` : `stages[${i}]`;
    const previousType = i > 0 && isObject(stages[i - 1]) ? (stages[i - 1] as Json).type : undefined;
    let produced: Shape | undefined;

    switch (stage.type) {
      case 'preprocess':
        if (i !== 0) report(ctx, at('type'), 'a preprocess stage must come first: it turns the request image into a tensor');
        produced = checkPreprocess(ctx, stage, at);
        preprocess = { stage, index: i };
        break;
      case 'accelerated': {
        featurizer = checkFeaturizer(ctx, stage, at);
        if (featurizer) {
          expectInput(ctx, at(), label, featurizer.inputShape, shape, producer);
          if (preprocess) checkConvention(ctx, preprocess, featurizer);
          produced = featurizer.featureShape;
        }
        break;
      }
      case 'tensorflow': {
        checkModelFiles(ctx, stage.model, at('model'));
        const input = shapeOf(stage.inputShape);
        if (input) expectInput(ctx, at('inputShape'), label, input, shape, producer);
        produced = shapeOf(stage.outputShape);
        break;
      }
      case 'classifier': {
        if (i !== last) report(ctx, at('type'), 'the classifier must be the last stage: its scores are the service\'s answer');
        if (stage.model === DEFAULT_CLASSIFIER) {
          // A previous stage of unknown type is the schema's to report, not this check's.
          if (previousType !== 'accelerated' && STAGE_TYPES.includes(previousType as StageType)) {
            report(ctx, at('model'), 'the default classifier belongs to a featurizer: put it right after an accelerated stage, or name a TensorFlow.js model.json');
          } else if (featurizer) {
            classes = featurizer.classes;
          }
        } else if (typeof stage.model === 'string') {
          checkModelFiles(ctx, stage.model, at('model'));
          const input = shapeOf(stage.inputShape);
          if (input) expectInput(ctx, at('inputShape'), label, input, shape, producer);
          if (isPositiveInteger(stage.classes)) classes = stage.classes;
        }
        if (classes !== undefined) produced = [classes];
        break;
      }
      default:
        return; // Unknown or missing type: the schema reports it.
    }
    if (i === 0 && stage.type !== 'preprocess') {
      report(ctx, at('type'), 'the first stage must be a preprocess stage: the service receives images and a preprocess stage turns them into tensors');
    }
    shape = produced;
    producer = label;
  });

  const lastStage = stages[last];
  if (isObject(lastStage) && typeof lastStage.type === 'string' && lastStage.type !== 'classifier') {
    report(ctx, ['stages', last, 'type'], 'the pipeline must end with a classifier stage: add { "type": "classifier", "name": "classifier", "model": "default" }');
  }
  return classes;
}

function checkPreprocess(ctx: Context, stage: Json, at: (...rest: PathSegment[]) => PathSegment[]): Shape | undefined {
  const std = stage.std;
  if (Array.isArray(std)) {
    std.forEach((s, k) => {
      if (typeof s === 'number' && s <= 0) report(ctx, at('std', k), `std[${k}] is ${s}: it divides every pixel value, so it must be positive`);
    });
  }
  const mean = stage.mean;
  if (Array.isArray(mean)) {
    mean.forEach((m, k) => {
      if (typeof m === 'number' && (m < 0 || m > 255)) {
        report(ctx, at('mean', k), `mean[${k}] is ${m}, outside the 0–255 range of pixel values: means are given on the 0–255 scale`, 'warning');
      }
    });
  }
  if (stage.scale === 0) report(ctx, at('scale'), 'scale is 0: every value would become 0; use 1 for no scaling');

  const resize = isObject(stage.resize) ? stage.resize : undefined;
  const crop = pairOf(stage.centerCrop);
  let height = -1;
  let width = -1;
  if (resize && isPositiveInteger(resize.width) && isPositiveInteger(resize.height)) {
    height = resize.height;
    width = resize.width;
    if (crop && (crop[0] > height || crop[1] > width)) {
      report(ctx, at('centerCrop'), `centerCrop ${formatShape(crop)} is larger than the resized image ${formatShape([height, width])} (height, width)`);
      return undefined; // No output shape to check later stages against.
    }
  } else if (resize && isPositiveInteger(resize.shorterSide)) {
    const side = resize.shorterSide;
    if (crop && (crop[0] > side || crop[1] > side)) {
      report(ctx, at('centerCrop'), `centerCrop ${formatShape(crop)} does not fit in an image whose shorter side is ${side}: crop at most ${side} or resize to a longer side`);
      return undefined;
    }
  } else if (!resize && crop) {
    report(ctx, at('centerCrop'), 'centerCrop without resize depends on the size of each image: images smaller than the crop will be refused; add "resize"', 'warning');
  }
  if (crop) return [crop[0], crop[1], 3];
  return [height, width, 3];
}

function checkFeaturizer(ctx: Context, stage: Json, at: (...rest: PathSegment[]) => PathSegment[]): FeaturizerInfo | undefined {
  if (typeof stage.model !== 'string') return undefined;
  const featurizer = findFeaturizer(stage.model);
  if (!featurizer) {
    const suggestion = closestName(stage.model, FEATURIZERS.map((f) => f.name));
    report(
      ctx,
      at('model'),
      `unknown featurizer "${stage.model}"` +
        (suggestion ? `: did you mean "${suggestion}"?` : '') +
        ` The catalog has ${FEATURIZERS.map((f) => f.name).join(', ')}`,
    );
    return undefined;
  }
  if (typeof stage.version === 'string' && !featurizer.versions.includes(stage.version)) {
    report(ctx, at('version'), `${featurizer.name} has no version "${stage.version}"; available: ${featurizer.versions.join(', ')}`);
  }
  return featurizer;
}

/** Different pre-processing than a featurizer was trained with runs, but answers wrongly. */
function checkConvention(ctx: Context, preprocess: { stage: Json; index: number }, featurizer: FeaturizerInfo): void {
  const { stage, index } = preprocess;
  const expected = featurizer.preprocess;
  const order = typeof stage.channelOrder === 'string' ? stage.channelOrder : 'RGB';
  if (order !== expected.channelOrder) {
    report(ctx, ['stages', index, 'channelOrder'], `${featurizer.name} was trained on ${expected.channelOrder} input; with ${order} its classes will be wrong`, 'warning');
  }
  const mean = Array.isArray(stage.mean) ? stage.mean : [0, 0, 0];
  const std = Array.isArray(stage.std) ? stage.std : [1, 1, 1];
  const close = (a: unknown[], b: readonly number[]): boolean => a.every((v, k) => typeof v === 'number' && Math.abs(v - (b[k] ?? NaN)) < 1e-3);
  if (!close(mean, expected.mean) || !close(std, expected.std)) {
    report(
      ctx,
      ['stages', index],
      `${featurizer.name} expects mean ${formatShape(expected.mean)} and std ${formatShape(expected.std)} (${expected.channelOrder}, 0–255 scale); this stage normalizes differently`,
      'warning',
    );
  }
}

function expectInput(ctx: Context, path: PathSegment[], consumer: string, expected: Shape, produced: Shape | undefined, producer: string): void {
  if (!produced || shapesCompatible(produced, expected)) return;
  const open = produced.includes(-1) ? ' (sizes of -1 are known only at run time: give the preprocess stage a centerCrop or an exact resize)' : '';
  report(ctx, path, `${consumer} takes ${formatShape(expected)} but ${producer} produces ${formatShape(produced)}${open}`);
}

function checkModelFiles(ctx: Context, model: unknown, path: PathSegment[]): void {
  if (typeof model !== 'string' || model.length === 0) return;
  const modelPath = resolve(ctx.baseDir, model);
  const files = readTfjsModelFiles(modelPath);
  if (!files.ok) {
    report(ctx, path, files.error);
    return;
  }
  const folder = dirname(modelPath);
  const missing = files.weightPaths.filter((p) => !isFile(resolve(folder, p)));
  if (missing.length > 0) {
    report(ctx, path, `weight files listed in ${model} are missing: ${missing.join(', ')} (expected beside model.json)`);
  }
}

function checkLabels(ctx: Context, labels: unknown, classes: number | undefined): void {
  if (typeof labels !== 'string' || labels.length === 0) return;
  if (labels === IMAGENET_LABELS) {
    if (classes !== undefined && classes !== 1000) {
      report(ctx, ['labels'], `"imagenet" has 1000 classes but the classifier scores ${classes}: name a labels file with ${classes} lines`);
    }
    return;
  }
  const path = resolve(ctx.baseDir, labels);
  if (!isFile(path)) {
    report(ctx, ['labels'], `labels file not found: ${path} (use "imagenet" or a text file with one class name per line)`);
    return;
  }
  const count = countLabels(readFileSync(path, 'utf8'));
  if (classes !== undefined && count !== classes) {
    report(ctx, ['labels'], `${labels} has ${count} class names but the classifier scores ${classes} classes`);
  }
}

/** One class a line; a final newline does not add a class. */
export function countLabels(text: string): number {
  return text.split(/\r?\n/).filter((line, i, all) => line.length > 0 || i < all.length - 1).length;
}

function checkTopK(ctx: Context, topK: unknown, classes: number | undefined): void {
  const k = topK === undefined ? DEFAULT_TOP_K : topK;
  if (typeof k === 'number' && classes !== undefined && k > classes) {
    report(ctx, topK === undefined ? [] : ['topK'], `topK is ${k} but the classifier scores only ${classes} classes`);
  }
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function shapeOf(value: unknown): Shape | undefined {
  return Array.isArray(value) && value.length > 0 && value.every((d) => Number.isInteger(d) && (d as number) >= -1) ? (value as number[]) : undefined;
}

function pairOf(value: unknown): [number, number] | undefined {
  return Array.isArray(value) && value.length === 2 && value.every(isPositiveInteger) ? [value[0] as number, value[1] as number] : undefined;
}
