/**
 * The engine seam end to end: which engine each stage lands on (compiled to ONNX Runtime,
 * or TensorFlow.js with the reason), the compiled-model cache, `fpga verify` on the real
 * MobileNet and photos, and a host that keeps answering while a large model loads.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readModelDef } from '../../src/pipeline/modelDefReader';
import { packagePipeline } from '../../src/pipeline/packager';
import { loadPipeline } from '../../src/runtime/loadPipeline';
import type { LoadPipelineOptions } from '../../src/runtime/loadPipeline';
import { startHost } from '../../src/service/host';
import type { RunningHost } from '../../src/service/host';
import { REPO_ROOT, tempDir, writeJson } from './helpers/fixtures';
import { Admin, IMAGES_DIR, MODEL_STORE, call, featurizerZip, image } from './helpers/serviceHelpers';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');

/** A pipeline of two small TensorFlow.js layers models: pooling + dense, then a 3-class head. */
function writeLayersPipeline(dir: string, head: Record<string, unknown>[], headWeights: number[][], headInput: number): string {
  const writeModel = (folder: string, name: string, layers: Record<string, unknown>[], weights: { name: string; values: number[]; shape: number[] }[]): void => {
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'weights.bin'), Buffer.concat(weights.map((w) => Buffer.from(new Float32Array(w.values).buffer))));
    writeJson(join(folder, 'model.json'), {
      format: 'layers-model',
      modelTopology: { class_name: 'Sequential', config: { name, layers } },
      weightsManifest: [{ paths: ['weights.bin'], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
    });
  };
  writeModel(
    join(dir, 'pool'),
    'pool',
    [
      { class_name: 'GlobalAveragePooling2D', config: { name: 'gap', batch_input_shape: [null, 4, 4, 3] } },
      { class_name: 'Dense', config: { name: 'mix', units: 4, activation: 'relu' } },
    ],
    [
      { name: 'mix/kernel', shape: [3, 4], values: [0.5, -1, 0.25, 2, 1, 0.5, -0.5, 0, -2, 1.5, 1, -1] },
      { name: 'mix/bias', shape: [4], values: [0.1, -0.2, 0.3, 0] },
    ],
  );
  const [kernel = [], bias = []] = headWeights;
  writeModel(join(dir, 'head'), 'head', head, [
    { name: 'dense/kernel', shape: [headInput, 3], values: kernel },
    { name: 'dense/bias', shape: [3], values: bias },
  ]);
  writeFileSync(join(dir, 'labels.txt'), 'red-ish\ngreen-ish\nblue-ish\n');
  return writeJson(join(dir, 'small.pipeline.json'), {
    name: 'small',
    stages: [
      { type: 'preprocess', name: 'preprocess', resize: { width: 4, height: 4 }, channelOrder: 'RGB', mean: [0, 0, 0], std: [255, 255, 255] },
      { type: 'tensorflow', name: 'pool', model: 'pool/model.json', inputTensor: 'gap_input', outputTensor: 'mix/Relu', inputShape: [4, 4, 3], outputShape: [4] },
      { type: 'classifier', name: 'head', model: 'head/model.json', inputTensor: 'x', outputTensor: 'dense/Softmax', inputShape: [4], classes: 3 },
    ],
    labels: 'labels.txt',
    topK: 2,
  });
}

const KERNEL_4x3 = [1, -1, 0.5, 0.2, 0.3, -0.7, -1, 2, 0, 0.4, 0.1, 1];
const BIAS_3 = [0, 0.5, -0.5];

async function scoresOf(pipelinePath: string, options: Omit<LoadPipelineOptions, 'modelStore'>): Promise<{ scores: Float32Array; engines: Record<string, { engine: string; note?: string }> }> {
  const pipeline = await loadPipeline(readModelDef((await packagePipeline(pipelinePath)).zip), { modelStore: tempDir('fpga-empty-store-'), ...options });
  try {
    const { tensor } = await pipeline.prepare(image('bird.bmp'));
    const { scores } = await pipeline.score([tensor]);
    return { scores: scores[0] as Float32Array, engines: { ...pipeline.engines } };
  } finally {
    pipeline.dispose();
  }
}

function assertClose(actual: Float32Array, expected: Float32Array, tolerance: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => assert.ok(Math.abs(value - (expected[i] as number)) <= tolerance, `score ${i}: ${value} vs ${expected[i]}`));
}

describe('stage engines', () => {
  const cache = tempDir('fpga-compiled-');

  test('TensorFlow.js layers stages compile to ONNX Runtime and score as TensorFlow.js does', async () => {
    const path = writeLayersPipeline(tempDir('fpga-layers-'), [{ class_name: 'Dense', config: { name: 'dense', units: 3, activation: 'softmax', batch_input_shape: [null, 4] } }], [KERNEL_4x3, BIAS_3], 4);
    const onnx = await scoresOf(path, { engine: 'auto', compileCache: cache });
    const reference = await scoresOf(path, { engine: 'tfjs' });
    assert.deepEqual(onnx.engines, { pool: { engine: 'onnxruntime', precision: 'fp32' }, head: { engine: 'onnxruntime', precision: 'fp32' } });
    assert.equal(reference.engines.head?.engine, 'tfjs-wasm');
    assertClose(onnx.scores, reference.scores, 1e-6);
  });

  test('a layer the converter does not take: that stage runs on TensorFlow.js and says which layer', async () => {
    const head = [
      { class_name: 'RepeatVector', config: { name: 'twice', n: 2, batch_input_shape: [null, 4] } },
      { class_name: 'Flatten', config: { name: 'flat' } },
      { class_name: 'Dense', config: { name: 'dense', units: 3, activation: 'softmax' } },
    ];
    const path = writeLayersPipeline(tempDir('fpga-layers-'), head, [[...KERNEL_4x3, ...KERNEL_4x3], BIAS_3], 8);
    const mixed = await scoresOf(path, { engine: 'auto', compileCache: cache });
    assert.equal(mixed.engines.pool?.engine, 'onnxruntime');
    assert.equal(mixed.engines.head?.engine, 'tfjs-wasm');
    assert.match(mixed.engines.head?.note ?? '', /layer "twice" \(RepeatVector\).*runs on TensorFlow\.js/);
    assertClose(mixed.scores, (await scoresOf(path, { engine: 'tfjs' })).scores, 1e-6);
  });

  test('compiled models are cached by content: reused as they are, new for another precision or calibration', async () => {
    const folder = tempDir('fpga-cache-');
    const zip = readModelDef(await featurizerZip('mobilenet_v1_0.25', 'tiny'));
    const load = async (options: Partial<LoadPipelineOptions>): Promise<Float32Array> => {
      const pipeline = await loadPipeline(zip, { modelStore: MODEL_STORE, compileCache: folder, engine: 'onnx', ...options });
      try {
        const { tensor } = await pipeline.prepare(image('parrot.jpg'));
        return (await pipeline.score([tensor])).scores[0] as Float32Array;
      } finally {
        pipeline.dispose();
      }
    };
    const files = (): Map<string, number> => new Map(readdirSync(folder).map((name) => [name, statSync(join(folder, name)).mtimeMs]));

    const first = await load({ precision: 'fp32' });
    const compiled = files();
    assert.equal(compiled.size, 2, 'a featurizer and its classifier');
    assert.deepEqual(await load({ precision: 'fp32' }), first);
    assert.deepEqual(files(), compiled, 'the second load reads the cache and writes nothing');

    const calibration = tempDir('fpga-calibration-');
    for (const name of ['bird.bmp', 'parrot.jpg']) copyFileSync(join(IMAGES_DIR, name), join(calibration, name));
    await load({ precision: 'int8', calibration });
    assert.equal(files().size, 4, 'int8 is another model');
    copyFileSync(join(IMAGES_DIR, 'cat.bmp'), join(calibration, 'cat.bmp'));
    await load({ precision: 'int8', calibration });
    assert.equal(files().size, 6, 'other calibration images make another int8 model');
    await load({ precision: 'int8', calibration });
    assert.equal(files().size, 6);
  });
});

describe('fpga verify', () => {
  test('MobileNet 0.75 on the photos: ONNX fp32 equals TensorFlow.js, int8 keeps fp32\'s top 1 in its top 5', () => {
    const run = spawnSync(
      process.execPath,
      [CLI, 'verify', join(REPO_ROOT, 'examples', 'mobilenet.pipeline.json'), '--images', IMAGES_DIR, '--model-store', MODEL_STORE, '--calibration', IMAGES_DIR, '--json'],
      { encoding: 'utf8', timeout: 300_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      images: { image: string; reference_top1: string; fp32_top1: string; int8_top1: string; fp32_max_abs_diff: number; int8_top5_has_fp32_top1: boolean }[];
      summary: { images: number; fp32_top1_agree: number; int8_top1_agree: number; int8_top5_has_fp32_top1: number; fp32_max_abs_diff: number };
    };
    const photos = readdirSync(IMAGES_DIR).filter((name) => !name.endsWith('.json') && !name.endsWith('.txt'));
    assert.deepEqual(report.images.map((r) => r.image), photos.sort());
    assert.equal(report.summary.images, photos.length);
    assert.equal(report.summary.fp32_top1_agree, photos.length);
    assert.ok(report.summary.fp32_max_abs_diff <= 1e-4, `fp32 max abs diff ${report.summary.fp32_max_abs_diff}`);
    assert.equal(report.summary.int8_top5_has_fp32_top1, photos.length);
  });

  test('a folder without images is refused, saying what to give', () => {
    const run = spawnSync(process.execPath, [CLI, 'verify', join(REPO_ROOT, 'examples', 'mobilenet.pipeline.json'), '--images', tempDir('fpga-no-images-')], { encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /holds no image/);
  });
});

describe('a host that never stalls', () => {
  let host: RunningHost;
  let admin: Admin;

  before(async () => {
    host = await startHost({ stateDir: tempDir('fpga-host-'), modelStore: MODEL_STORE, compileCache: tempDir('fpga-cold-cache-'), log: () => undefined });
    admin = new Admin(host.url, host.adminToken);
  });
  after(() => host.close());

  test('health checks and listings answer while ResNet-50 builds and compiles in its worker', async () => {
    const registered = await admin.post('/admin/models', await featurizerZip('resnet50', 'big'), 'application/zip');
    assert.equal(registered.status, 201, registered.text);
    await admin.deploy('big', 'big:1');
    let answeredWhileLoading = 0;
    for (;;) {
      assert.equal((await call(`${host.url}/v2/health/live`)).status, 200);
      const state = (await admin.service('big')).state;
      if (state !== 'Transitioning') {
        assert.equal(state, 'Healthy');
        break;
      }
      answeredWhileLoading++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // A load on the event loop would answer nothing until it ended: a cold ResNet-50 takes seconds.
    assert.ok(answeredWhileLoading >= 5, `only ${answeredWhileLoading} health checks were answered during the load`);
  });
});
