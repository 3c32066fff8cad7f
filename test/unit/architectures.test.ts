/**
 * The Keras architectures built in code: parameter counts against Keras's published
 * figures, Keras layer names, loading weights by layer name, and the proof that the
 * MobileNet architecture is exact (Google's real weights, loaded by name into it, give the
 * published model's outputs). Large models run one image, once: VGG-16 alone is 138M
 * parameters and ResNet 152 about a second per image on wasm.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../src/common/errors';
import { initBackend } from '../../src/runtime/backend';
import { loadFeaturizer } from '../../src/runtime/featurizers';
import type { LoadedFeaturizer } from '../../src/runtime/featurizers';
import { DENSENET121, densenet121Architecture } from '../../src/runtime/featurizers/densenet121';
import { DEFAULT_SEED } from '../../src/runtime/featurizers/generatedWeights';
import { mobilenetV1Architecture } from '../../src/runtime/featurizers/mobilenetV1';
import { resnetV1Architecture } from '../../src/runtime/featurizers/resnetV1';
import { vgg16Architecture } from '../../src/runtime/featurizers/vgg16';
import { loadWeightsByName, readNamedWeights } from '../../src/runtime/featurizers/weightsByName';
import { decodeImage } from '../../src/runtime/image/decode';
import { preprocessPixels } from '../../src/runtime/image/preprocess';
import { densenet121Folder, mobilenetFolder } from '../../src/runtime/modelStore';
import { folderSource, loadLayersModelFrom } from '../../src/runtime/tfjsFiles';
import { REPO_ROOT, TF_PREPROCESS, tempDir, unexpectedFolder } from './helpers/fixtures';

const SHARED = join(REPO_ROOT, '..', 'shared');
const STORE = join(SHARED, 'models');

/** Keras's published `count_params()` of each application with its top. */
const KERAS_PARAMETERS = {
  resnet50: 25_636_712,
  resnet152: 60_419_944,
  densenet121: 8_062_504,
  vgg16: 138_357_544,
  mobilenet_1_0: 4_253_864,
};

function withModel<T>(model: tf.LayersModel, use: (model: tf.LayersModel) => T): T {
  try {
    return use(model);
  } finally {
    model.dispose();
  }
}

function assertLayers(model: tf.LayersModel, names: readonly string[]): void {
  const present = new Set(model.layers.map((layer) => layer.name));
  for (const name of names) assert.ok(present.has(name), `layer ${name}`);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** One image through featurize then classify: the features' shape and the probabilities. */
function runOnce(featurizer: LoadedFeaturizer, image: tf.Tensor): { featureShape: number[]; scores: Float32Array } {
  return tf.tidy(() => {
    const features = featurizer.featurize(image);
    return { featureShape: features.shape, scores: featurizer.classify(features).dataSync() as Float32Array };
  });
}

function assertProbabilities(scores: Float32Array): void {
  assert.equal(scores.length, 1000);
  assert.ok(scores.every(Number.isFinite), 'finite scores');
  assert.ok(Math.abs(scores.reduce((sum, v) => sum + v, 0) - 1) <= 1e-4, 'scores sum to 1');
}

describe('Keras architectures: parameter counts and layer names', () => {
  before(() => initBackend('wasm'));

  test('ResNet50: 25,636,712 parameters', () => {
    withModel(resnetV1Architecture(50), (model) => {
      assert.equal(model.countParams(), KERAS_PARAMETERS.resnet50);
      assert.equal(model.layers.length, 177);
    });
  });

  test('ResNet152: 60,419,944 parameters, conv2 ×3, conv3 ×8, conv4 ×36, conv5 ×3 blocks', () => {
    withModel(resnetV1Architecture(152), (model) => {
      assert.equal(model.countParams(), KERAS_PARAMETERS.resnet152);
      assertLayers(model, ['conv1_pad', 'conv1_conv', 'conv1_bn', 'pool1_pool', 'conv2_block3_out', 'conv3_block8_out', 'conv4_block36_3_conv', 'conv4_block36_out', 'conv5_block1_0_conv', 'conv5_block3_out', 'avg_pool', 'predictions']);
      const names = model.layers.map((layer) => layer.name);
      assert.ok(!names.includes('conv4_block37_out') && !names.includes('conv3_block9_out'));
      assert.equal(model.layers.length, 517);
    });
  });

  test('DenseNet121: 8,062,504 parameters, Keras names with "/" kept', () => {
    withModel(densenet121Architecture(), (model) => {
      assert.equal(model.countParams(), KERAS_PARAMETERS.densenet121);
      assertLayers(model, ['conv1/conv', 'conv1/bn', 'conv1/relu', 'pool1', 'conv2_block1_0_bn', 'conv2_block6_concat', 'pool2_conv', 'pool4_pool', 'conv4_block24_concat', 'conv5_block16_2_conv', 'bn', 'relu', 'avg_pool', 'predictions']);
      assert.ok(model.weights.some((weight) => weight.originalName === 'conv1/conv/kernel'));
      assert.equal(model.layers.length, 429);
    });
  });

  test('VGG16: 138,357,544 parameters, block1_conv1 … block5_pool, flatten, fc1, fc2, predictions', () => {
    withModel(vgg16Architecture(), (model) => {
      assert.equal(model.countParams(), KERAS_PARAMETERS.vgg16);
      assert.deepEqual(
        model.layers.slice(1).map((layer) => layer.name),
        [1, 2, 3, 4, 5].flatMap((b) => [...Array.from({ length: b <= 2 ? 2 : 3 }, (_, c) => `block${b}_conv${c + 1}`), `block${b}_pool`]).concat(['flatten', 'fc1', 'fc2', 'predictions']),
      );
    });
  });

  test('MobileNet 1.0: 4,253,864 parameters; every width has the published models\' layer names', () => {
    withModel(mobilenetV1Architecture(1), (model) => assert.equal(model.countParams(), KERAS_PARAMETERS.mobilenet_1_0));
    const published = JSON.parse(readFileSync(join(mobilenetFolder(STORE, 'mobilenet_v1_0.75'), 'model.json'), 'utf8')) as {
      modelTopology: { model_config: { config: { layers: { name: string }[] } } };
    };
    const publishedNames = published.modelTopology.model_config.config.layers.map((layer) => layer.name);
    for (const width of [0.25, 0.5, 0.75, 1] as const) {
      withModel(mobilenetV1Architecture(width), (model) => assert.deepEqual(model.layers.map((layer) => layer.name), publishedNames));
    }
  });
});

describe('loadWeightsByName and the exact MobileNet architecture', () => {
  let images: tf.Tensor;
  before(async () => {
    await initBackend('wasm');
    const pixels = await Promise.all(['grace_hopper.bmp', 'cat.bmp'].map(async (name) => preprocessPixels(await decodeImage(readFileSync(join(SHARED, 'images', name))), TF_PREPROCESS)));
    images = tf.tidy(() => tf.stack(pixels.map((p) => tf.tensor3d(p.data, p.shape as [number, number, number]))));
  });
  after(() => images.dispose());

  for (const [catalogName, width] of [['mobilenet_v1_0.75', 0.75], ['mobilenet_v1_0.25', 0.25]] as const) {
    test(`${catalogName}: the published weights, loaded by layer name, reproduce the published model (max abs diff ≤ 1e-5)`, async () => {
      const source = folderSource(mobilenetFolder(STORE, catalogName), unexpectedFolder);
      const published = await loadLayersModelFrom(source);
      const named = await readNamedWeights(source);
      const ours = mobilenetV1Architecture(width);
      try {
        const { unused } = loadWeightsByName(ours, named);
        assert.deepEqual(unused, [], 'every published weight is taken by a layer');
        const [expected, actual] = tf.tidy(() => [published.apply(images, { training: false }), ours.apply(images, { training: false })].map((t) => (t as tf.Tensor).dataSync() as Float32Array));
        const diff = maxAbsDiff(expected as Float32Array, actual as Float32Array);
        console.log(`    ${catalogName}: max abs diff ${diff.toExponential(2)} over ${images.shape[0]} images × 1000 classes`);
        assert.ok(diff <= 1e-5, `max abs diff ${diff}`);
      } finally {
        tf.dispose(named);
        published.dispose();
        ours.dispose();
      }
    });
  }

  test('a missing layer is named with the weight and shape it needed; nothing is written', async () => {
    const named = await readNamedWeights(folderSource(mobilenetFolder(STORE, 'mobilenet_v1_0.25'), unexpectedFolder));
    const model = mobilenetV1Architecture(0.25);
    try {
      const partial = Object.fromEntries(Object.entries(named).filter(([name]) => !name.startsWith('conv_dw_3/')));
      assert.throws(() => loadWeightsByName(model, partial, { source: 'weights.json' }), (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, /layer "conv_dw_3" gets no weights in weights\.json: "conv_dw_3\/depthwise_kernel" \(shape \[3, 3, 32, 1\]\) is missing/);
        return true;
      });
      const conv1 = model.getLayer('conv1').getWeights()[0] as tf.Tensor;
      assert.equal(tf.tidy(() => tf.abs(conv1).max().dataSync()[0]), 0, 'conv1 keeps its zeros: loading checks everything before writing');
    } finally {
      tf.dispose(named);
      model.dispose();
    }
  });

  test('a weight of the wrong shape is refused naming the layer, the expected and the actual shape', async () => {
    // Width 0.25 weights offered to the width 0.75 architecture.
    const named = await readNamedWeights(folderSource(mobilenetFolder(STORE, 'mobilenet_v1_0.25'), unexpectedFolder));
    const model = mobilenetV1Architecture(0.75);
    try {
      assert.throws(() => loadWeightsByName(model, named), {
        name: 'UserError',
        message: 'layer "conv1" expects "conv1/kernel" of shape [3, 3, 3, 24], but "conv1/kernel" has shape [3, 3, 3, 8]',
      });
    } finally {
      tf.dispose(named);
      model.dispose();
    }
  });
});

describe('the large featurizers on generated weights (wasm, one image each)', () => {
  let image: tf.Tensor;
  before(async () => {
    await initBackend('wasm');
    const pixels = preprocessPixels(await decodeImage(readFileSync(join(SHARED, 'images', 'grace_hopper.bmp'))), { ...TF_PREPROCESS, mean: [103.939, 116.779, 123.68], std: [1, 1, 1], channel_order: 'BGR' });
    image = tf.tensor4d(pixels.data, [1, 224, 224, 3]);
  });
  after(() => image.dispose());

  test('ResNet 152: [1, 1, 2048] features, 1000 probabilities, synthetic', async () => {
    const featurizer = await loadFeaturizer('resnet152', '1', { modelStore: STORE, precision: 'fp32', backend: 'wasm' });
    try {
      assert.equal(featurizer.synthetic, true);
      assert.equal(featurizer.parameters, KERAS_PARAMETERS.resnet152);
      const { featureShape, scores } = runOnce(featurizer, image);
      assert.deepEqual(featureShape, [1, 1, 1, 2048]);
      assertProbabilities(scores);
    } finally {
      featurizer.dispose();
    }
  });

  test('VGG-16: [7, 7, 512] features (block5_pool), 1000 probabilities, synthetic', async () => {
    const featurizer = await loadFeaturizer('vgg16', '1', { modelStore: STORE, precision: 'fp32', backend: 'wasm' });
    try {
      assert.equal(featurizer.synthetic, true);
      assert.equal(featurizer.parameters, KERAS_PARAMETERS.vgg16);
      const { featureShape, scores } = runOnce(featurizer, image);
      assert.deepEqual(featureShape, [1, 7, 7, 512]);
      assertProbabilities(scores);
    } finally {
      featurizer.dispose();
    }
  });

  describe('DenseNet-121', () => {
    let generated: Float32Array;
    let store: string;
    before(() => {
      store = tempDir('fpga-store-');
    });
    after(() => rmSync(store, { recursive: true, force: true }));

    test('[1, 1, 1024] features; the same seed gives identical scores, another seed others', async () => {
      const run = async (seed: number): Promise<Float32Array> => {
        const featurizer = await loadFeaturizer('densenet121', '1', { modelStore: STORE, precision: 'fp32', backend: 'wasm', seed });
        try {
          assert.equal(featurizer.synthetic, true);
          assert.equal(featurizer.parameters, KERAS_PARAMETERS.densenet121);
          const { featureShape, scores } = runOnce(featurizer, image);
          assert.deepEqual(featureShape, [1, 1, 1, 1024]);
          assertProbabilities(scores);
          return scores;
        } finally {
          featurizer.dispose();
        }
      };
      generated = await run(DEFAULT_SEED);
      assert.deepEqual(await run(DEFAULT_SEED), generated);
      assert.notDeepEqual(await run(7), generated);
    });

    test('real weights in <store>/densenet121/ are loaded by name, Keras 3 spellings (conv1_conv, fc1000) included', async () => {
      const model = densenet121Architecture();
      try {
        DENSENET121.generate(model, DEFAULT_SEED);
        await model.save(tf.io.withSaveHandler((artifacts) => {
          const folder = densenet121Folder(store);
          mkdirSync(folder, { recursive: true });
          const data = artifacts.weightData ?? [];
          writeFileSync(join(folder, 'weights.bin'), Buffer.concat((Array.isArray(data) ? data : [data]).map((part) => new Uint8Array(part))));
          // As other Keras versions name them: '/' in layer names → '_', the top as fc1000.
          const weights = (artifacts.weightSpecs ?? []).map((spec) => ({ ...spec, name: spec.name.replace(/^conv1\/(conv|bn)\//, 'conv1_$1/').replace(/^predictions\//, 'fc1000/') }));
          writeFileSync(join(folder, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights }] }));
          return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
        }));
      } finally {
        model.dispose();
      }
      const featurizer = await loadFeaturizer('densenet121', '1', { modelStore: store, precision: 'fp32', backend: 'wasm' });
      try {
        assert.equal(featurizer.synthetic, false);
        const { scores } = runOnce(featurizer, image);
        assert.ok(maxAbsDiff(scores, generated) <= 1e-6, `max abs diff ${maxAbsDiff(scores, generated)}`);
      } finally {
        featurizer.dispose();
      }
    });
  });
});
