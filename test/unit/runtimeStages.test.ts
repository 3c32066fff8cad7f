/**
 * TensorFlow.js models carried in the zip: a `tensorflow` stage and a classifier, as layers
 * and as graph models, checked against the same arithmetic done by hand.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { readModelDef } from '../../src/pipeline/modelDefReader';
import { packagePipeline } from '../../src/pipeline/packager';
import { loadPipeline } from '../../src/runtime/loadPipeline';
import { REPO_ROOT, tempDir, writeJson } from './helpers/fixtures';

const SHARED = join(REPO_ROOT, '..', 'shared');
const IMAGE = join(SHARED, 'images', 'bird.bmp');

/** Pooling layer → dense 3→4 (linear): the `tensorflow` stage. */
const POOL_KERNEL = [0.5, -1, 0.25, 2, 1, 0.5, -0.5, 0, -2, 1.5, 1, -1]; // [3, 4], row-major
const POOL_BIAS = [0.1, -0.2, 0.3, 0];
/** Dense 4→3: the classifier head (softmax or none). */
const HEAD_KERNEL = [1, -1, 0.5, 0.2, 0.3, -0.7, -1, 2, 0, 0.4, 0.1, 1]; // [4, 3]
const HEAD_BIAS = [0, 0.5, -0.5];

function writeWeights(folder: string, arrays: number[][]): void {
  writeFileSync(join(folder, 'weights.bin'), Buffer.concat(arrays.map((a) => Buffer.from(new Float32Array(a).buffer))));
}

function writePoolModel(folder: string): void {
  mkdirSync(folder, { recursive: true });
  writeWeights(folder, [POOL_KERNEL, POOL_BIAS]);
  writeJson(join(folder, 'model.json'), {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'pool',
        layers: [
          { class_name: 'GlobalAveragePooling2D', config: { name: 'gap', batch_input_shape: [null, 4, 4, 3] } },
          { class_name: 'Dense', config: { name: 'mix', units: 4, activation: 'linear' } },
        ],
      },
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'mix/kernel', shape: [3, 4], dtype: 'float32' }, { name: 'mix/bias', shape: [4], dtype: 'float32' }] }],
  });
}

function writeLayersHead(folder: string, activation: 'softmax' | 'linear'): void {
  mkdirSync(folder, { recursive: true });
  writeWeights(folder, [HEAD_KERNEL, HEAD_BIAS]);
  writeJson(join(folder, 'model.json'), {
    format: 'layers-model',
    modelTopology: { class_name: 'Sequential', config: { name: 'head', layers: [{ class_name: 'Dense', config: { name: 'dense', units: 3, activation, batch_input_shape: [null, 4] } }] } },
    weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'dense/kernel', shape: [4, 3], dtype: 'float32' }, { name: 'dense/bias', shape: [3], dtype: 'float32' }] }],
  });
}

/** A hand-written graph model: x → MatMul(w) → BiasAdd(b) = logits → Softmax = probs. */
function writeGraphHead(folder: string): void {
  mkdirSync(folder, { recursive: true });
  writeWeights(folder, [HEAD_KERNEL, HEAD_BIAS]);
  const float = { type: 'DT_FLOAT' };
  const dims = (...sizes: number[]): { dim: { size: string }[] } => ({ dim: sizes.map((size) => ({ size: String(size) })) });
  writeJson(join(folder, 'model.json'), {
    format: 'graph-model',
    generatedBy: 'hand',
    convertedBy: 'hand',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: dims(-1, 4) } } },
        { name: 'w', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(4, 3) } } } },
        { name: 'b', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(3) } } } },
        { name: 'matmul', op: 'MatMul', input: ['x', 'w'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'logits', op: 'BiasAdd', input: ['matmul', 'b'], attr: { T: float } },
        { name: 'probs', op: 'Softmax', input: ['logits'], attr: { T: float } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'w', shape: [4, 3], dtype: 'float32' }, { name: 'b', shape: [3], dtype: 'float32' }] }],
  });
}

/** preprocess (4×4, values in [0, 1]) → pool (tensorflow) → head (classifier), 3 labels. */
function writePipeline(dir: string, head: string, outputTensor: string): string {
  writePoolModel(join(dir, 'pool'));
  writeFileSync(join(dir, 'labels.txt'), 'red-ish\ngreen-ish\nblue-ish\n');
  return writeJson(join(dir, `${head}-${outputTensor.replace(/[^a-z0-9]/gi, "_")}.pipeline.json`), {
    name: `custom-${head}`,
    stages: [
      { type: 'preprocess', name: 'preprocess', resize: { width: 4, height: 4 }, channelOrder: 'RGB', mean: [0, 0, 0], std: [255, 255, 255] },
      { type: 'tensorflow', name: 'pool', model: 'pool/model.json', inputTensor: 'gap_input', outputTensor: 'mix/BiasAdd', inputShape: [4, 4, 3], outputShape: [4] },
      { type: 'classifier', name: 'head', model: `${head}/model.json`, inputTensor: 'x', outputTensor, inputShape: [4], classes: 3 },
    ],
    labels: 'labels.txt',
    topK: 2,
  });
}

/** The same network by hand: channel means → dense → dense → softmax. */
function expectedScores(pixels: Float32Array): number[] {
  const means = [0, 1, 2].map((c) => pixels.filter((_, i) => i % 3 === c).reduce((sum, v) => sum + v, 0) / 16);
  const hidden = POOL_BIAS.map((bias, j) => bias + means.reduce((sum, m, i) => sum + m * (POOL_KERNEL[i * 4 + j] as number), 0));
  const logits = HEAD_BIAS.map((bias, j) => bias + hidden.reduce((sum, h, i) => sum + h * (HEAD_KERNEL[i * 3 + j] as number), 0));
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const total = exps.reduce((sum, e) => sum + e, 0);
  return exps.map((e) => e / total);
}

async function run(pipelinePath: string): Promise<{ scores: Float32Array; expected: number[]; timings: string[]; labels: readonly string[] }> {
  const pipeline = await loadPipeline(readModelDef((await packagePipeline(pipelinePath)).zip), { modelStore: tempDir('fpga-empty-store-'), backend: 'wasm', engine: 'tfjs' });
  try {
    assert.equal(pipeline.synthetic, false);
    assert.deepEqual(pipeline.inputShape, [4, 4, 3]);
    const { tensor } = await pipeline.prepare(readFileSync(IMAGE));
    const { scores, timings } = await pipeline.score([tensor, tensor]);
    assert.deepEqual(scores[0], scores[1]);
    return { scores: scores[0] as Float32Array, expected: expectedScores(tensor.data), timings: Object.keys(timings).sort(), labels: pipeline.labels };
  } finally {
    pipeline.dispose();
  }
}

function assertClose(actual: Float32Array, expected: number[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => assert.ok(Math.abs(value - (expected[i] as number)) <= 1e-5, `score ${i}: ${value} vs ${expected[i]}`));
}

describe('TensorFlow.js stages from the zip', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
    writeLayersHead(join(dir, 'softmax-head'), 'softmax');
    writeLayersHead(join(dir, 'logit-head'), 'linear');
    writeGraphHead(join(dir, 'graph-head'));
  });

  test('a tensorflow stage and a layers classifier give the numbers computed by hand; labels from the zip; timings per stage', async () => {
    const result = await run(writePipeline(dir, 'softmax-head', 'dense/Softmax'));
    assertClose(result.scores, result.expected);
    assert.deepEqual(result.labels, ['red-ish', 'green-ish', 'blue-ish']);
    assert.deepEqual(result.timings, ['head', 'pool', 'total']);
  });

  test('a classifier that outputs logits gets softmax applied', async () => {
    const result = await run(writePipeline(dir, 'logit-head', 'dense/BiasAdd'));
    assertClose(result.scores, result.expected);
  });

  test('a graph model runs by tensor names: its Softmax output, or its logits (softmax applied), give the same scores', async () => {
    const probs = await run(writePipeline(dir, 'graph-head', 'probs'));
    assertClose(probs.scores, probs.expected);
    const logits = await run(writePipeline(dir, 'graph-head', 'logits:0'));
    assertClose(logits.scores, logits.expected);
  });

  test('a graph model without the named input tensor is refused at load, listing its inputs', async () => {
    const path = writePipeline(dir, 'graph-head', 'probs');
    const pipeline = JSON.parse(readFileSync(path, 'utf8')) as { stages: Record<string, unknown>[] };
    (pipeline.stages[2] as Record<string, unknown>).inputTensor = 'input_1';
    const wrong = writeJson(join(dir, 'wrong-input.pipeline.json'), pipeline);
    const modelDef = readModelDef((await packagePipeline(wrong)).zip);
    await assert.rejects(loadPipeline(modelDef, { modelStore: dir, backend: 'wasm', engine: 'tfjs' }), { name: 'UserError', message: /no input tensor "input_1".*"x"/ });
  });
});
