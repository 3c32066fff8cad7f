/**
 * ResNet 50 without real weights: the Keras architecture built in code on generated,
 * seeded weights, and the store path for real weights (fed here with generated ones saved
 * to disk, since no real copy is available offline). Batches of one image: ResNet 50 on
 * wasm costs about 400 ms per image.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ModelDef } from '../../src/pipeline/modelDefReader';
import { readModelDef } from '../../src/pipeline/modelDefReader';
import { packagePipeline } from '../../src/pipeline/packager';
import { initBackend } from '../../src/runtime/backend';
import { loadFeaturizer } from '../../src/runtime/featurizers';
import { DEFAULT_SEED } from '../../src/runtime/featurizers/generatedWeights';
import { buildResnet50 } from '../../src/runtime/featurizers/resnet50';
import { loadPipeline } from '../../src/runtime/loadPipeline';
import type { ImageTensor } from '../../src/runtime/types';
import { EXAMPLES, REPO_ROOT, tempDir } from './helpers/fixtures';

const SHARED = join(REPO_ROOT, '..', 'shared');
const STORE = join(SHARED, 'models');
const KERAS_RESNET50_PARAMETERS = 25_636_712;

describe('ResNet 50 on generated weights', () => {
  let modelDef: ModelDef;
  let image: ImageTensor;
  let generatedScores: Float32Array;
  /** A store with the labels and a resnet50/ folder holding saved generated weights. */
  let storeWithWeights: string;

  before(async () => {
    await initBackend('wasm');
    modelDef = readModelDef((await packagePipeline(join(EXAMPLES, 'resnet50.pipeline.json'))).zip);
    storeWithWeights = tempDir('fpga-store-');
    mkdirSync(join(storeWithWeights, 'labels'));
    copyFileSync(join(STORE, 'labels', 'imagenet_1000.txt'), join(storeWithWeights, 'labels', 'imagenet_1000.txt'));
  });
  after(() => rmSync(storeWithWeights, { recursive: true, force: true }));

  test('the architecture is Keras ResNet50 with its top: 25,636,712 parameters and Keras layer names', async () => {
    const model = buildResnet50({ seed: DEFAULT_SEED });
    try {
      assert.equal(model.countParams(), KERAS_RESNET50_PARAMETERS);
      const names = model.layers.map((layer) => layer.name);
      for (const name of ['conv1_conv', 'conv1_bn', 'pool1_pool', 'conv2_block1_0_conv', 'conv2_block1_1_conv', 'conv5_block3_out', 'avg_pool', 'predictions']) {
        assert.ok(names.includes(name), name);
      }
      // Saved for the real-weights test below: the store's format, the default seed's weights.
      await model.save(tf.io.withSaveHandler((artifacts) => {
        const folder = join(storeWithWeights, 'resnet50');
        mkdirSync(folder, { recursive: true });
        const data = artifacts.weightData ?? [];
        writeFileSync(join(folder, 'weights.bin'), Buffer.concat((Array.isArray(data) ? data : [data]).map((part) => new Uint8Array(part))));
        writeFileSync(
          join(folder, 'model.json'),
          JSON.stringify({ format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] }),
        );
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }));
    } finally {
      model.dispose();
    }
  });

  test('scores one image: 1000 finite probabilities summing to 1, synthetic reported', async () => {
    const pipeline = await loadPipeline(modelDef, { modelStore: STORE, backend: 'wasm', engine: 'tfjs' });
    try {
      assert.equal(pipeline.synthetic, true);
      assert.equal(pipeline.backend, 'tfjs-wasm');
      image = (await pipeline.prepare(readFileSync(join(SHARED, 'images', 'grace_hopper.bmp')))).tensor;
      const { scores, timings } = await pipeline.score([image]);
      generatedScores = scores[0] as Float32Array;
      assert.equal(generatedScores.length, 1000);
      assert.ok(generatedScores.every(Number.isFinite));
      assert.ok(Math.abs(generatedScores.reduce((sum, v) => sum + v, 0) - 1) <= 1e-4);
      assert.ok((timings.featurizer ?? 0) > 0 && (timings.classifier ?? -1) >= 0);
    } finally {
      pipeline.dispose();
    }
  });

  test('syntheticWeights forces generated weights even where real ones exist; the same seed gives identical scores', async () => {
    const pipeline = await loadPipeline(modelDef, { modelStore: storeWithWeights, backend: 'wasm', engine: 'tfjs', syntheticWeights: true });
    try {
      assert.equal(pipeline.synthetic, true);
      const [again] = (await pipeline.score([image])).scores;
      assert.deepEqual(again, generatedScores);
    } finally {
      pipeline.dispose();
    }
  });

  test('real weights in <store>/resnet50/ are used when present (synthetic false)', async () => {
    const pipeline = await loadPipeline(modelDef, { modelStore: storeWithWeights, backend: 'wasm', engine: 'tfjs', warmUp: false });
    try {
      assert.equal(pipeline.synthetic, false);
      const [fromStore] = (await pipeline.score([image])).scores;
      const diff = (fromStore as Float32Array).reduce((max, v, i) => Math.max(max, Math.abs(v - (generatedScores[i] as number))), 0);
      assert.ok(diff <= 1e-6, `max abs diff ${diff}`);
    } finally {
      pipeline.dispose();
    }
  });

  test('loadFeaturizer: parameters, [N, 1, 1, 2048] features, and another seed gives other weights', async () => {
    const loaded = await loadFeaturizer('resnet50', '1', { modelStore: STORE, precision: 'fp32', seed: 7 });
    try {
      assert.equal(loaded.synthetic, true);
      assert.equal(loaded.parameters, KERAS_RESNET50_PARAMETERS);
      const scores = tf.tidy(() => {
        const features = loaded.featurize(tf.tensor(image.data, [1, 224, 224, 3]));
        assert.deepEqual(features.shape, [1, 1, 1, 2048]);
        return loaded.classify(features).dataSync() as Float32Array;
      });
      assert.notDeepEqual(scores, generatedScores);
    } finally {
      loaded.dispose();
    }
  });
});
