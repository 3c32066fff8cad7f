/**
 * Keras HDF5 weight files: files written here with h5wasm in the layout Keras's
 * save_weights uses (layer_names at the root or under /model_weights, weight_names per
 * layer group, datasets at /<layer>/<weight name>:0) are read back and loaded by layer name;
 * wrong files fail naming the file, the layer and the shapes; a store folder holding the
 * official file name is loaded as real weights, after model.json and before generated ones.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type * as H5 from 'h5wasm/node' with { 'resolution-mode': 'import' };
import { UserError } from '../../src/common/errors';
import { initBackend } from '../../src/runtime/backend';
import { loadFeaturizer } from '../../src/runtime/featurizers';
import { DENSENET121, densenet121Architecture } from '../../src/runtime/featurizers/densenet121';
import { DEFAULT_SEED } from '../../src/runtime/featurizers/generatedWeights';
import { storeWeightsFile } from '../../src/runtime/featurizers/kerasFeaturizer';
import { readKerasH5Weights } from '../../src/runtime/featurizers/kerasH5';
import { KERAS_WEIGHT_FILES, kerasWeightFile } from '../../src/runtime/featurizers/kerasWeightFiles';
import { mobilenetV1Architecture } from '../../src/runtime/featurizers/mobilenetV1';
import { loadWeightsByName, readNamedWeights } from '../../src/runtime/featurizers/weightsByName';
import { decodeImage } from '../../src/runtime/image/decode';
import { preprocessPixels } from '../../src/runtime/image/preprocess';
import { densenet121Folder, mobilenetFolder, resnet50Folder } from '../../src/runtime/modelStore';
import { folderSource, loadLayersModelFrom } from '../../src/runtime/tfjsFiles';
import { REPO_ROOT, TF_PREPROCESS, tempDir, unexpectedFolder } from './helpers/fixtures';

const SHARED = join(REPO_ROOT, '..', 'shared');
const STORE = join(SHARED, 'models');
const MOBILENET_025 = mobilenetFolder(STORE, 'mobilenet_v1_0.25');

/** One layer's weights as Keras writes them: `<layer>/<weight>:0` names and their values. */
interface H5Layer {
  name: string;
  weights: { name: string; value: tf.Tensor }[];
}

/** The layers of a model with their current weights, in model order (weightless ones too). */
function layersOf(model: tf.LayersModel): H5Layer[] {
  return model.layers.map((layer) => ({ name: layer.name, weights: layer.weights.map((weight) => ({ name: `${weight.originalName}:0`, value: weight.read() })) }));
}

async function h5wasm(): Promise<typeof H5> {
  const module = await import('h5wasm/node');
  await module.ready;
  return module;
}

/** Creates every missing group along `path` (HDF5 does not create intermediate groups). */
function ensureGroup(h5: typeof H5, root: H5.Group, path: string): H5.Group {
  let group = root;
  for (const part of path.split('/')) {
    const existing = group.get(part);
    group = existing instanceof h5.Group ? existing : group.create_group(part);
  }
  return group;
}

/** Writes `layers` in Keras's legacy HDF5 weights layout, at the root or under /model_weights. */
async function writeKerasH5(path: string, layers: H5Layer[], options: { underModelWeights?: boolean } = {}): Promise<void> {
  const h5 = await h5wasm();
  const file = new h5.File(path, 'w');
  try {
    const root = options.underModelWeights ? file.create_group('model_weights') : file;
    root.create_attribute('layer_names', layers.map((layer) => layer.name));
    for (const layer of layers) {
      const group = ensureGroup(h5, root, layer.name);
      // Keras writes an empty array for a layer without weights.
      if (layer.weights.length === 0) group.create_attribute('weight_names', new Float64Array(0), [0], '<d');
      else group.create_attribute('weight_names', layer.weights.map((weight) => weight.name));
      for (const weight of layer.weights) {
        const slash = weight.name.lastIndexOf('/');
        const parent = slash < 0 ? group : ensureGroup(h5, group, weight.name.slice(0, slash));
        parent.create_dataset({ name: weight.name.slice(slash + 1), data: weight.value.dataSync() as Float32Array, shape: weight.value.shape, dtype: '<f' });
      }
    }
  } finally {
    file.close();
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserError, `a UserError, not ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('readKerasH5Weights', () => {
  let dir: string;
  let images: tf.Tensor;
  let reference: tf.LayersModel;
  before(async () => {
    await initBackend('wasm');
    dir = tempDir('fpga-h5-');
    const pixels = await Promise.all(['grace_hopper.bmp', 'cat.bmp'].map(async (name) => preprocessPixels(await decodeImage(readFileSync(join(SHARED, 'images', name))), TF_PREPROCESS)));
    images = tf.tidy(() => tf.stack(pixels.map((p) => tf.tensor3d(p.data, p.shape as [number, number, number]))));
    // MobileNet 0.25 built in code holding Google's published weights: the source of the files.
    const named = await readNamedWeights(folderSource(MOBILENET_025, unexpectedFolder));
    reference = mobilenetV1Architecture(0.25);
    try {
      loadWeightsByName(reference, named);
    } finally {
      tf.dispose(named);
    }
  });
  after(() => {
    images.dispose();
    reference.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const underModelWeights of [false, true]) {
    test(`MobileNet 0.25 written as Keras HDF5 (${underModelWeights ? '/model_weights of a full save' : 'weights file, layer_names at the root'}) reproduces the published model (max abs diff ≤ 1e-5)`, async () => {
      const path = join(dir, `mobilenet_${underModelWeights ? 'full' : 'weights'}.h5`);
      await writeKerasH5(path, layersOf(reference), { underModelWeights });
      const weights = await readKerasH5Weights(path);
      const published = await loadLayersModelFrom(folderSource(MOBILENET_025, unexpectedFolder));
      const fresh = mobilenetV1Architecture(0.25);
      try {
        assert.ok(weights.has('conv1/kernel') && weights.has('conv_dw_1/depthwise_kernel') && weights.has('conv1_bn/moving_variance') && weights.has('conv_preds/bias'));
        assert.deepEqual(weights.get('conv_pw_13/kernel')?.shape, [1, 1, 256, 256], 'kernels stay HWIO');
        const { unused } = loadWeightsByName(fresh, Object.fromEntries(weights), { source: path });
        assert.deepEqual(unused, []);
        const [expected, actual] = tf.tidy(() => [published, fresh].map((model) => (model.apply(images, { training: false }) as tf.Tensor).dataSync() as Float32Array));
        const diff = maxAbsDiff(expected as Float32Array, actual as Float32Array);
        assert.ok(diff <= 1e-5, `max abs diff ${diff}`);
      } finally {
        tf.dispose([...weights.values()]);
        published.dispose();
        fresh.dispose();
      }
    });
  }

  test('a file without a layer loads into no model: the UserError names the layer', async () => {
    const path = join(dir, 'missing_layer.h5');
    await writeKerasH5(path, layersOf(reference).filter((layer) => layer.name !== 'conv_dw_3'));
    const weights = await readKerasH5Weights(path);
    const model = mobilenetV1Architecture(0.25);
    try {
      assert.throws(() => loadWeightsByName(model, Object.fromEntries(weights), { source: path }), (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, /layer "conv_dw_3" gets no weights in .*missing_layer\.h5: "conv_dw_3\/depthwise_kernel" \(shape \[3, 3, 32, 1\]\) is missing/);
        return true;
      });
    } finally {
      tf.dispose([...weights.values()]);
      model.dispose();
    }
  });

  test('a weight of the wrong shape is refused naming the layer and both shapes', async () => {
    const path = join(dir, 'wrong_shape.h5');
    const layers = layersOf(reference);
    const wrong = tf.zeros([3, 3, 3, 16]);
    try {
      await writeKerasH5(path, layers.map((layer) => (layer.name === 'conv1' ? { ...layer, weights: [{ name: 'conv1/kernel:0', value: wrong }] } : layer)));
    } finally {
      wrong.dispose();
    }
    const weights = await readKerasH5Weights(path);
    const model = mobilenetV1Architecture(0.25);
    try {
      assert.throws(() => loadWeightsByName(model, Object.fromEntries(weights), { source: path }), {
        name: 'UserError',
        message: `layer "conv1" expects "conv1/kernel" of shape [3, 3, 3, 8], but "conv1/kernel" in ${path} has shape [3, 3, 3, 16]`,
      });
    } finally {
      tf.dispose([...weights.values()]);
      model.dispose();
    }
  });

  test('a missing file, a file that is not HDF5 and an HDF5 file that is not Keras\'s are UserErrors naming the file', async () => {
    await rejectsWith(readKerasH5Weights(join(dir, 'absent.h5')), /the Keras weights file .*absent\.h5 does not exist/);
    const text = join(dir, 'text.h5');
    writeFileSync(text, 'this is not HDF5\n'.repeat(100));
    await rejectsWith(readKerasH5Weights(text), /text\.h5 is not an HDF5 file/);
    const other = join(dir, 'other.h5');
    const h5 = await h5wasm();
    const file = new h5.File(other, 'w');
    file.create_dataset({ name: 'data', data: new Float32Array([1, 2, 3]) });
    file.close();
    await rejectsWith(readKerasH5Weights(other), /other\.h5 is an HDF5 file but not a Keras weights file: neither \/ nor \/model_weights has the layer_names attribute/);
    const before = tf.memory().numTensors;
    const listsMissing = join(dir, 'lists_missing.h5');
    const broken = new h5.File(listsMissing, 'w');
    broken.create_attribute('layer_names', ['conv1', 'ghost']);
    const conv1 = broken.create_group('conv1');
    conv1.create_attribute('weight_names', ['conv1/kernel:0']);
    ensureGroup(h5, conv1, 'conv1').create_dataset({ name: 'kernel:0', data: new Float32Array(8), shape: [2, 4], dtype: '<f' });
    broken.close();
    await rejectsWith(readKerasH5Weights(listsMissing), /lists layer "ghost" in layer_names but has no group \/ghost/);
    assert.equal(tf.memory().numTensors, before, 'tensors read before the failure are disposed');
  });
});

describe('Keras HDF5 files in the model store', () => {
  let store: string;
  before(async () => {
    await initBackend('wasm');
    store = tempDir('fpga-h5-store-');
  });
  after(() => rmSync(store, { recursive: true, force: true }));

  test('KERAS_WEIGHT_FILES: one official include_top file per featurizer built in code', () => {
    assert.deepEqual(KERAS_WEIGHT_FILES.map((file) => file.featurizer).sort(), ['densenet121', 'resnet152', 'resnet50', 'vgg16']);
    for (const file of KERAS_WEIGHT_FILES) {
      assert.equal(file.fileName, `${file.featurizer}_weights_tf_dim_ordering_tf_kernels.h5`);
      assert.ok(file.url.startsWith('https://storage.googleapis.com/tensorflow/keras-applications/') && file.url.endsWith(`/${file.fileName}`));
      assert.match(file.md5, /^[0-9a-f]{32}$/);
    }
  });

  test('precedence: model.json, else the official .h5, else none (generated weights)', () => {
    const folder = resnet50Folder(store);
    mkdirSync(folder, { recursive: true });
    assert.equal(storeWeightsFile(folder, 'resnet50'), undefined);
    const h5 = join(folder, kerasWeightFile('resnet50').fileName);
    writeFileSync(h5, '');
    assert.deepEqual(storeWeightsFile(folder, 'resnet50'), { kind: 'keras-h5', path: h5 });
    writeFileSync(join(folder, 'model.json'), '{}');
    assert.deepEqual(storeWeightsFile(folder, 'resnet50'), { kind: 'model.json', path: join(folder, 'model.json') });
    rmSync(folder, { recursive: true, force: true });
  });

  test('a broken .h5 in the store fails the load naming the file and the official URL', async () => {
    const folder = resnet50Folder(store);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, kerasWeightFile('resnet50').fileName), 'not hdf5');
    try {
      await rejectsWith(
        loadFeaturizer('resnet50', '1', { modelStore: store, precision: 'fp32', backend: 'wasm' }),
        /ResNet.*weights in the model store cannot be read: .*resnet50_weights_tf_dim_ordering_tf_kernels\.h5 is not an HDF5 file.*storage\.googleapis\.com/,
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('<store>/densenet121/densenet121_weights_tf_dim_ordering_tf_kernels.h5 (Keras 2 names, conv1/conv) loads as real weights, same scores as its source', async () => {
    const model = densenet121Architecture();
    let generated: Float32Array;
    const image = tf.randomUniform([1, 224, 224, 3], -1, 1, 'float32', 7);
    try {
      DENSENET121.generate(model, DEFAULT_SEED);
      generated = tf.tidy(() => (model.predict(image) as tf.Tensor).dataSync() as Float32Array);
      mkdirSync(densenet121Folder(store), { recursive: true });
      await writeKerasH5(join(densenet121Folder(store), kerasWeightFile('densenet121').fileName), layersOf(model));
    } finally {
      model.dispose();
    }
    const featurizer = await loadFeaturizer('densenet121', '1', { modelStore: store, precision: 'fp32', backend: 'wasm' });
    try {
      assert.equal(featurizer.synthetic, false);
      const scores = tf.tidy(() => featurizer.classify(featurizer.featurize(image)).dataSync() as Float32Array);
      assert.ok(maxAbsDiff(scores, generated) <= 1e-6, `max abs diff ${maxAbsDiff(scores, generated)}`);
    } finally {
      featurizer.dispose();
      image.dispose();
    }
  });
});
