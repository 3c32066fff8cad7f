/**
 * Training a classifier on a folder of images over a catalog featurizer, and evaluating it:
 * the dataset scan and its errors, the grouped split, learning on real MobileNet features
 * (validation photos never seen in training), the feature cache, and the CLI end to end —
 * train, package, deploy on a real host, classify held-out photos, evaluate, Ctrl-C.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { UserError } from '../../src/common/errors';
import { readModelDef } from '../../src/pipeline/modelDefReader';
import { packagePipeline } from '../../src/pipeline/packager';
import { requireTrainable, scanDataset } from '../../src/training/dataset';
import { evaluate } from '../../src/training/evaluation';
import { splitDataset } from '../../src/training/split';
import { trainClassifier } from '../../src/training/trainClassifier';
import type { TrainOptions } from '../../src/training/trainClassifier';
import { REPO_ROOT, tempDir } from './helpers/fixtures';
import { SHARED_IMAGES, SHARED_MODELS, writePhotoDataset } from './helpers/trainingDataset';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const work = tempDir('train-test-');
const featureCache = join(work, 'features');
let photos: string;

before(async () => {
  photos = await writePhotoDataset(join(work, 'photos'));
});
after(() => rmSync(work, { recursive: true, force: true }));

function options(overrides: Partial<TrainOptions>): TrainOptions {
  return { dataset: photos, featurizer: 'mobilenet_v1_0.75', precision: 'fp32', modelStore: SHARED_MODELS, featureCache, validationSplit: 0.5, ...overrides };
}

async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toBuffer();
}

describe('dataset folder', () => {
  test('reports classes, images per class and every skipped file with its reason', async () => {
    const root = join(work, 'mixed');
    cpSync(join(photos, 'bird', 'bird'), join(root, 'bird'), { recursive: true });
    cpSync(join(photos, 'cat', 'cat'), join(root, 'cat'), { recursive: true });
    writeFileSync(join(root, 'cat', 'notes.txt'), 'not an image');
    writeFileSync(join(root, 'cat', 'tiny.png'), await png(16, 16));
    writeFileSync(join(root, 'cat', 'broken.jpg'), readFileSync(join(SHARED_IMAGES, 'hot_dog.jpg')).subarray(0, 4000));
    cpSync(join(root, 'bird', 'view0.png'), join(root, 'cat', 'copy-of-bird.png'));
    writeFileSync(join(root, 'stray.png'), await png(64, 64));
    const dataset = await scanDataset(root);
    assert.deepEqual(dataset.classes, ['bird', 'cat']);
    assert.equal(dataset.images.filter((i) => i.label === 'bird').length, 6);
    assert.equal(dataset.images.filter((i) => i.label === 'cat').length, 6);
    const reasons = Object.fromEntries(dataset.skipped.map((s) => [s.name, s.reason]));
    assert.deepEqual(reasons, {
      'stray.png': 'outside a class folder',
      'cat/broken.jpg': 'unreadable',
      'cat/copy-of-bird.png': 'duplicate',
      'cat/notes.txt': 'not an image',
      'cat/tiny.png': 'too small',
    });
    assert.match(dataset.skipped.find((s) => s.reason === 'duplicate')?.detail ?? '', /same content as bird\/view0\.png/);
    requireTrainable(dataset);
  });

  test('one class only, too few images or no folder give errors that say what to add', async () => {
    const one = join(work, 'one-class');
    cpSync(join(photos, 'cat'), join(one, 'cat'), { recursive: true });
    await assert.rejects(async () => requireTrainable(await scanDataset(one)), /only one class folder \("cat"\): a classifier needs at least two/);
    const few = join(work, 'few');
    cpSync(join(photos, 'cat'), join(few, 'cat'), { recursive: true });
    mkdirSync(join(few, 'dog'));
    writeFileSync(join(few, 'dog', 'a.png'), await png(64, 64));
    await assert.rejects(async () => requireTrainable(await scanDataset(few)), /"dog" has 1; add images until every class has at least 5/);
    await assert.rejects(scanDataset(join(work, 'nowhere')), (error: unknown) => error instanceof UserError && /dataset folder not found/.test(error.message));
  });

  test('the split is stratified, keeps each photo\'s views together and repeats with the seed', async () => {
    const dataset = await scanDataset(photos);
    const split = splitDataset(dataset, 0.5, 7);
    for (const label of dataset.classes) {
      assert.equal(split.validation.filter((i) => i.label === label).length, 6, label);
    }
    const trainGroups = new Set(split.train.map((i) => i.group));
    assert.ok(split.validation.every((i) => !trainGroups.has(i.group)), 'a photo on both sides of the split');
    assert.deepEqual(splitDataset(dataset, 0.5, 7).validation.map((i) => i.name), split.validation.map((i) => i.name));
    const oneCatPhoto = { ...dataset, images: dataset.images.filter((i) => i.group !== 'cat/cat_720p') };
    assert.throws(() => splitDataset(oneCatPhoto, 0.5, 1), /class "cat" has all its images in one group \(folder cat\/cat\), so none can be kept apart/);
    assert.equal(splitDataset(oneCatPhoto, 0, 1).validation.length, 0);
  });
});

describe('evaluation arithmetic', () => {
  test('counts add up, and labels outside the dataset get their own column', () => {
    const scored = [
      { image: 'a/1', path: '', expected: 'a', top: [{ label: 'a', score: 0.9 }] },
      { image: 'a/2', path: '', expected: 'a', top: [{ label: 'b', score: 0.6 }] },
      { image: 'b/1', path: '', expected: 'b', top: [{ label: 'b', score: 0.8 }] },
      { image: 'b/2', path: '', expected: 'b', top: [{ label: 'zebra', score: 0.7 }] },
    ];
    const { evaluation } = evaluate(['a', 'b'], scored);
    assert.equal(evaluation.accuracy, 0.5);
    assert.deepEqual(evaluation.confusion_columns, ['a', 'b', 'zebra']);
    assert.deepEqual(evaluation.confusion, [[1, 1, 0], [0, 1, 1]]);
    assert.deepEqual(evaluation.per_class, [
      { class: 'a', precision: 1, recall: 0.5, images: 2 },
      { class: 'b', precision: 0.5, recall: 0.5, images: 2 },
    ]);
    assert.deepEqual(evaluation.mistakes.map((m) => `${m.image}:${m.predicted}`), ['a/2:b', 'b/2:zebra']);
  });
});

describe('training on MobileNet features', () => {
  let first: Awaited<ReturnType<typeof trainClassifier>>;

  test('learns to tell birds from cats on photos it never saw, and writes a valid pipeline', async () => {
    first = await trainClassifier(options({ output: join(work, 'out-a'), epochs: 15 }));
    const { result, record } = first;
    assert.deepEqual(result.classes, ['bird', 'cat']);
    assert.equal(result.images, 24);
    assert.equal(result.features_computed, 24);
    assert.equal(result.features_cached, 0);
    assert.ok((result.validation_accuracy ?? 0) >= 0.9, `validation accuracy ${result.validation_accuracy} on unseen photos (chance is 0.5)`);
    assert.equal(record.validation?.images, 12);
    const { zip, serviceDef } = await packagePipeline(result.pipeline);
    assert.equal(serviceDef.pipeline.at(-1)?.type, 'classifier');
    assert.deepEqual(readModelDef(zip).files.get('labels.txt')?.toString(), 'bird\ncat\n');
  });

  test('a second run with more epochs computes no feature, and the same seed trains the same classifier', async () => {
    const again = await trainClassifier(options({ output: join(work, 'out-b'), epochs: 15 }));
    assert.equal(again.result.features_computed, 0);
    assert.equal(again.result.features_cached, 24);
    assert.deepEqual(again.record.history, first.record.history);
    const longer = await trainClassifier(options({ output: join(work, 'out-b'), epochs: 20 }));
    assert.equal(longer.result.features_computed, 0);
    assert.equal(longer.result.epochs, 20);
  });

  test('another featurizer or precision computes its own features, and int8 learns too', async () => {
    const small = await trainClassifier(options({ output: join(work, 'out-c'), featurizer: 'mobilenet_v1_0.25', epochs: 15 }));
    assert.equal(small.result.features_computed, 24);
    const int8 = await trainClassifier(options({ output: join(work, 'out-d'), precision: 'int8', epochs: 15 }));
    assert.equal(int8.result.features_computed, 24);
    assert.equal(int8.record.precision, 'int8');
    assert.ok((int8.result.validation_accuracy ?? 0) >= 0.9, `int8 validation accuracy ${int8.result.validation_accuracy}`);
    assert.match(readFileSync(int8.result.pipeline, 'utf8'), /"precision": "int8"/);
  });
});

describe('fpga train, deploy, classify and evaluate', () => {
  const state = join(work, 'state');
  const env = { ...process.env, FPGA_MODEL_STORE: SHARED_MODELS, FPGA_FEATURE_CACHE: featureCache };
  const fpga = (...args: string[]): { code: number | null; stdout: string; stderr: string } => {
    const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  };

  before(() => assert.ok(existsSync(CLI), 'dist/cli.js is missing: run "npm run build" first'));
  after(() => fpga('stop', '--state', state));

  test('a pipeline trained on one photo per class deploys and puts held-out photos in the right class', async () => {
    const root = await writePhotoDataset(join(work, 'one-photo-each'), { bird: ['bird.bmp'], cat: ['cat.bmp'] });
    const output = join(work, 'deployable');
    const trained = fpga('train', root, '--featurizer', 'mobilenet_v1_0.75', '--validation-split', '0', '--epochs', '15', '-o', output, '--json');
    assert.equal(trained.code, 0, trained.stderr);
    const result = JSON.parse(trained.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(result).slice(0, 8), ['classes', 'images', 'train_accuracy', 'validation_accuracy', 'epochs', 'best_epoch', 'stopped', 'pipeline']);
    assert.equal(result.validation_accuracy, null);
    const pipeline = String(result.pipeline);
    assert.equal(fpga('package', pipeline, '-o', join(work, 'birds-cats.zip')).code, 0);
    const deployed = fpga('deploy', join(work, 'birds-cats.zip'), '--name', 'birds-cats', '--state', state);
    assert.equal(deployed.code, 0, deployed.stderr);
    const classified = fpga('classify', join(SHARED_IMAGES, 'parrot.jpg'), join(SHARED_IMAGES, 'cat_720p.jpg'), '--service', 'birds-cats', '--state', state, '--json');
    assert.equal(classified.code, 0, classified.stderr);
    const answers = JSON.parse(classified.stdout) as { predictions: { label: string }[] }[];
    assert.deepEqual(answers.map((a) => a.predictions[0]?.label), ['bird', 'cat']);

    // The held-out photos' views, evaluated through the service: every count adds up.
    const heldOut = await writePhotoDataset(join(work, 'held-out'), { bird: ['parrot.jpg'], cat: ['cat_720p.jpg'], hotdog: ['hot_dog.jpg'] }, 3);
    const report = join(work, 'service-report.html');
    const evaluated = fpga('evaluate', '--service', 'birds-cats', heldOut, '--state', state, '--json', '--report', report);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const evaluation = JSON.parse(evaluated.stdout) as { accuracy: number; images: number; per_class: { images: number; recall: number }[]; confusion: number[][]; mistakes: unknown[] };
    assert.equal(evaluation.images, 9);
    assert.equal(evaluation.confusion.flat().reduce((a, b) => a + b, 0), 9);
    assert.equal(evaluation.per_class.reduce((sum, c) => sum + c.images, 0), 9);
    const correct = evaluation.confusion.reduce((sum, row, i) => sum + (row[i] ?? 0), 0);
    assert.equal(evaluation.mistakes.length, 9 - correct);
    assert.equal(evaluation.accuracy, correct / 9);
    assert.ok(correct >= 5, `bird and cat views right: ${correct} of 6`);
    const html = readFileSync(report, 'utf8');
    assert.match(html, /Confusion matrix/);
    assert.match(html, /<img src="data:image\/jpeg;base64,/);
    assert.doesNotMatch(html, /<script|src="(?!data:)/);

    // In process, the same pipeline file gives the same answers as the service.
    const local = fpga('evaluate', pipeline, heldOut, '--json');
    assert.equal(local.code, 0, local.stderr);
    assert.match(local.stderr, /class "hotdog" is not one of the model's labels/);
    assert.deepEqual((JSON.parse(local.stdout) as { confusion: number[][] }).confusion, evaluation.confusion);
  });

  test('bad datasets and bad usage are one clear line', () => {
    const one = fpga('train', join(work, 'one-class'), '--featurizer', 'mobilenet_v1_0.75');
    assert.equal(one.code, 1);
    assert.equal(one.stderr.trim().split('\n').length, 1, one.stderr);
    assert.match(one.stderr, /^fpga: .*only one class folder/);
    const missing = fpga('train', join(work, 'nowhere'), '--featurizer', 'mobilenet_v1_0.75');
    assert.match(missing.stderr, /^fpga: dataset folder not found/);
    assert.equal(fpga('train', photos).code, 2, 'no --featurizer');
    assert.equal(fpga('train', photos, '--featurizer', 'mobilenet_v1_0.75', '--validation-split', '1.5').code, 2);
    const noDataset = fpga('evaluate', join(work, 'birds-cats.zip'));
    assert.match(noDataset.stderr, /^fpga: give the model and the dataset folder/);
  });

  test('Ctrl-C stops training and keeps the best epoch so far', async () => {
    const output = join(work, 'interrupted');
    const child = spawn(process.execPath, [CLI, 'train', photos, '--featurizer', 'mobilenet_v1_0.75', '--validation-split', '0.5', '--epochs', '100000', '--batch-size', '2', '-o', output, '--json', '--progress-json'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/"type":"epoch"/.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as { stopped: boolean; epochs: number; best_epoch: number; pipeline: string };
    assert.equal(result.stopped, true);
    assert.ok(result.epochs < 100000 && result.best_epoch >= 1 && result.best_epoch <= result.epochs);
    assert.ok(existsSync(result.pipeline));
    assert.match(stderr, /stopping after this step/);
  });
});
