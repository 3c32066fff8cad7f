/**
 * The runtime on real pretrained MobileNet weights (../shared/models): accuracy on the
 * shared photographs, the featurizer/classifier split, batching and tensor hygiene.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { readModelDef } from '../../src/pipeline/modelDefReader';
import { packagePipeline } from '../../src/pipeline/packager';
import { UserError } from '../../src/common/errors';
import { loadFeaturizer } from '../../src/runtime/featurizers';
import { loadPipeline } from '../../src/runtime/loadPipeline';
import { mobilenetFolder } from '../../src/runtime/modelStore';
import { folderSource, loadLayersModelFrom } from '../../src/runtime/tfjsFiles';
import type { RunnablePipeline } from '../../src/runtime/loadPipeline';
import { topK } from '../../src/runtime/topK';
import type { ImageTensor } from '../../src/runtime/types';
import { EXAMPLES, REPO_ROOT, mobilenetPipeline, tempDir, writeJson } from './helpers/fixtures';

const SHARED = join(REPO_ROOT, '..', 'shared');
const STORE = join(SHARED, 'models');
const IMAGES = join(SHARED, 'images');

interface Expected {
  images: Record<string, { top1: number[]; top5_contains_any?: number[] }>;
}
const expected = JSON.parse(readFileSync(join(IMAGES, 'expected.json'), 'utf8')) as Expected;
const imageNames = readdirSync(IMAGES).filter((name) => /\.(bmp|jpe?g|png)$/i.test(name)).sort();

async function loadExample(path: string, precision?: 'int8'): Promise<RunnablePipeline> {
  let pipelinePath = path;
  if (precision) {
    const pipeline = JSON.parse(readFileSync(path, 'utf8')) as { stages: Record<string, unknown>[] };
    (pipeline.stages[1] as Record<string, unknown>).precision = precision;
    pipelinePath = writeJson(join(tempDir(), 'int8.pipeline.json'), pipeline);
  }
  const { zip } = await packagePipeline(pipelinePath);
  return loadPipeline(readModelDef(zip), { modelStore: STORE, backend: 'wasm', engine: 'tfjs' });
}

/** MobileNet 0.25: the same code path at a fraction of the cost, for the repetitive tests. */
async function loadSmallMobilenet(): Promise<RunnablePipeline> {
  const pipeline = mobilenetPipeline();
  pipeline.name = 'mobilenet-small';
  const stages = pipeline.stages as Record<string, unknown>[];
  (stages[1] as Record<string, unknown>).model = 'mobilenet_v1_0.25';
  const { zip } = await packagePipeline(writeJson(join(tempDir(), 'small.pipeline.json'), pipeline));
  return loadPipeline(readModelDef(zip), { modelStore: STORE, backend: 'wasm', engine: 'tfjs' });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((max, value, i) => Math.max(max, Math.abs(value - (b[i] as number))), 0);
}

describe('MobileNet 0.75 on the shared photographs', () => {
  let pipeline: RunnablePipeline;
  before(async () => {
    pipeline = await loadExample(join(EXAMPLES, 'mobilenet.pipeline.json'));
  });
  after(() => pipeline.dispose());

  test('reports the wasm backend, fp32, real weights and the store labels', () => {
    assert.equal(pipeline.backend, 'tfjs-wasm');
    assert.equal(pipeline.precision, 'fp32');
    assert.equal(pipeline.synthetic, false);
    assert.deepEqual(pipeline.inputShape, [224, 224, 3]);
    assert.equal(pipeline.classes, 1000);
    assert.equal(pipeline.labels[19], 'chickadee');
    assert.equal(pipeline.topK, 5);
  });

  for (const name of imageNames) {
    test(`${name}: top-1 is one of the expected classes`, async () => {
      const want = expected.images[name];
      assert.ok(want, `expected.json lists ${name}`);
      const { tensor, timings } = await pipeline.prepare(readFileSync(join(IMAGES, name)));
      assert.ok(timings.decode !== undefined && timings.decode >= 0 && timings.preprocess !== undefined && timings.preprocess >= 0);
      const { scores, timings: stageTimings } = await pipeline.score([tensor]);
      assert.equal(scores.length, 1);
      const row = scores[0] as Float32Array;
      const top = topK(row, pipeline.labels, 5);
      assert.ok(want.top1.includes(top[0]?.index ?? -1), `${name}: top-1 ${top[0]?.index} (${top[0]?.label}) not in ${want.top1.join(', ')}`);
      if (want.top5_contains_any) {
        assert.ok(top.some((p) => want.top5_contains_any?.includes(p.index)), `${name}: top-5 ${top.map((p) => p.index).join(', ')}`);
      }
      assert.ok(Math.abs(row.reduce((sum, v) => sum + v, 0) - 1) < 1e-4, 'scores are probabilities');
      assert.deepEqual(Object.keys(stageTimings).sort(), ['classifier', 'featurizer', 'total']);
    });
  }
});

describe('MobileNet int8 (fake-quantized weights)', () => {
  test('reports int8, differs from fp32 a little, and keeps the expected top-1 classes', async () => {
    const fp32 = await loadExample(join(EXAMPLES, 'mobilenet.pipeline.json'));
    const int8 = await loadExample(join(EXAMPLES, 'mobilenet.pipeline.json'), 'int8');
    try {
      assert.equal(int8.precision, 'int8');
      let largest = 0;
      for (const name of imageNames) {
        const { tensor } = await int8.prepare(readFileSync(join(IMAGES, name)));
        const [q] = (await int8.score([tensor])).scores;
        const [f] = (await fp32.score([tensor])).scores;
        largest = Math.max(largest, maxAbsDiff(q as Float32Array, f as Float32Array));
        const top1 = topK(q as Float32Array, int8.labels, 1)[0]?.index ?? -1;
        assert.ok(expected.images[name]?.top1.includes(top1), `${name}: int8 top-1 ${top1}`);
      }
      assert.ok(largest > 0, 'quantization changes the scores');
    } finally {
      fp32.dispose();
      int8.dispose();
    }
  });
});

describe('the featurizer/classifier split', () => {
  test('featurize then classify (batch norms folded) equals the unsplit store model (max abs diff ≤ 1e-5)', async () => {
    const loaded = await loadFeaturizer('mobilenet_v1_0.75', '1', { modelStore: STORE, precision: 'fp32' });
    const folder = mobilenetFolder(STORE, 'mobilenet_v1_0.75');
    const whole = await loadLayersModelFrom(folderSource(folder, (path) => new UserError(`missing ${path}`)));
    const pipeline = await loadExample(join(EXAMPLES, 'mobilenet.pipeline.json'));
    try {
      assert.equal(loaded.parameters, whole.countParams());
      const batch = await Promise.all(['bird.bmp', 'parrot.jpg'].map(async (name) => (await pipeline.prepare(readFileSync(join(IMAGES, name)))).tensor));
      tf.tidy(() => {
        const input = tf.tensor(concat(batch), [2, 224, 224, 3]);
        const features = loaded.featurize(input);
        const split = loaded.classify(features);
        assert.deepEqual(features.shape, [2, 1, 1, 768]);
        assert.deepEqual(split.shape, [2, 1000]);
        const unsplit = whole.predict(input) as tf.Tensor;
        assert.ok(maxAbsDiff(unsplit.dataSync() as Float32Array, split.dataSync() as Float32Array) <= 1e-5);
      });
    } finally {
      loaded.dispose();
      whole.dispose();
      pipeline.dispose();
    }
  });
});

describe('batches and tensor hygiene (MobileNet 0.25)', () => {
  let pipeline: RunnablePipeline;
  let prepared: ImageTensor[];
  before(async () => {
    pipeline = await loadSmallMobilenet();
    prepared = await Promise.all(['bird.bmp', 'cat.bmp', 'hot_dog.jpg', 'parrot.jpg'].map(async (name) => (await pipeline.prepare(readFileSync(join(IMAGES, name)))).tensor));
  });
  after(() => pipeline.dispose());

  test('a batch of 4 gives the rows of 4 single calls (≤ 1e-5)', async () => {
    const batched = await pipeline.score(prepared);
    assert.equal(batched.scores.length, 4);
    for (const [i, tensor] of prepared.entries()) {
      const single = await pipeline.score([tensor]);
      assert.ok(maxAbsDiff(batched.scores[i] as Float32Array, single.scores[0] as Float32Array) <= 1e-5, `row ${i}`);
    }
  });

  test('tf.memory().numTensors is the same before and after 200 score() calls', async () => {
    await pipeline.score([prepared[0] as ImageTensor]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) await pipeline.score([prepared[i % prepared.length] as ImageTensor]);
    assert.equal(tf.memory().numTensors, before);
  });

  test('rawPredict runs the model stages directly and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const out = await pipeline.rawPredict(prepared[0]?.data as Float32Array, 1);
    assert.equal(out.length, 1000);
    assert.ok(Math.abs(out.reduce((sum, p) => sum + p, 0) - 1) < 1e-4);
    assert.equal(tf.memory().numTensors, before);
  });

  test('an input of the wrong shape is refused, naming both shapes', async () => {
    await assert.rejects(pipeline.score([{ shape: [10, 10, 3], data: new Float32Array(300) }]), /\[10, 10, 3\].*\[224, 224, 3\]/);
  });

  test('an empty batch gives no rows', async () => {
    assert.deepEqual((await pipeline.score([])).scores, []);
  });

  test('dispose frees the weights', async () => {
    const empty = tf.memory().numTensors;
    const other = await loadSmallMobilenet();
    assert.ok(tf.memory().numTensors > empty);
    other.dispose();
    assert.equal(tf.memory().numTensors, empty);
    other.dispose(); // twice is harmless
    await assert.rejects(other.score(prepared), /disposed/);
  });
});

function concat(tensors: readonly ImageTensor[]): Float32Array {
  const size = tensors[0]?.data.length ?? 0;
  const out = new Float32Array(size * tensors.length);
  tensors.forEach((t, i) => out.set(t.data, i * size));
  return out;
}
