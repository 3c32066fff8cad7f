/** What the user sees when the model store, the labels or the catalog cannot serve a pipeline. */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { UserError } from '../../src/common/errors';
import type { ModelDef } from '../../src/pipeline/modelDefReader';
import { readModelDef } from '../../src/pipeline/modelDefReader';
import { packagePipeline } from '../../src/pipeline/packager';
import { loadFeaturizer } from '../../src/runtime/featurizers';
import { loadPipeline } from '../../src/runtime/loadPipeline';
import { EXAMPLES, REPO_ROOT, mobilenetPipeline, tempDir, writeJson } from './helpers/fixtures';

const STORE = join(REPO_ROOT, '..', 'shared', 'models');

async function exampleModelDef(name: string): Promise<ModelDef> {
  return readModelDef((await packagePipeline(join(EXAMPLES, `${name}.pipeline.json`))).zip);
}

/** An empty store apart from the ImageNet labels (copied at test time, never committed). */
function storeWithLabelsOnly(): string {
  const store = tempDir('fpga-store-');
  mkdirSync(join(store, 'labels'));
  copyFileSync(join(STORE, 'labels', 'imagenet_1000.txt'), join(store, 'labels', 'imagenet_1000.txt'));
  return store;
}

describe('runtime errors a user can fix', () => {
  test('missing MobileNet weights: a UserError naming the folder to fill and model.json', async () => {
    const store = storeWithLabelsOnly();
    const folder = join(store, 'mobilenet_v1_0.75_224');
    await assert.rejects(loadPipeline(await exampleModelDef('mobilenet'), { modelStore: store, backend: 'wasm', engine: 'tfjs' }), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.ok(error.message.includes(folder), error.message);
      assert.match(error.message, /model\.json/);
      assert.match(error.message, /FPGA_MODEL_STORE/);
      return true;
    });
  });

  test('a missing weight shard is named', async () => {
    const store = storeWithLabelsOnly();
    const folder = join(store, 'mobilenet_v1_0.25_224');
    mkdirSync(folder);
    copyFileSync(join(STORE, 'mobilenet_v1_0.25_224', 'model.json'), join(folder, 'model.json'));
    await assert.rejects(loadFeaturizer('mobilenet_v1_0.25', '1', { modelStore: store, precision: 'fp32', backend: 'wasm' }), {
      name: 'UserError',
      message: new RegExp(`incomplete \\(${join(folder, 'group1-shard1of1').replace(/[.]/g, '\\.')} is missing\\)`),
    });
  });

  test('missing store labels: a UserError naming labels/imagenet_1000.txt in the store', async () => {
    const store = tempDir('fpga-store-');
    await assert.rejects(loadPipeline(await exampleModelDef('mobilenet'), { modelStore: store, backend: 'wasm', engine: 'tfjs' }), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.ok(error.message.includes(join(store, 'labels', 'imagenet_1000.txt')), error.message);
      return true;
    });
  });

  test('a labels file whose count differs from the classes is refused (a zip not written by the packager)', async () => {
    const dir = tempDir();
    const pipeline = mobilenetPipeline();
    writeFileSync(join(dir, 'labels.txt'), Array.from({ length: 1000 }, (_, i) => `class ${i}`).join('\n'));
    pipeline.labels = 'labels.txt';
    const packaged = readModelDef((await packagePipeline(writeJson(join(dir, 'own.pipeline.json'), pipeline))).zip);
    // The packager checks the count too, so the zip's labels are swapped after reading.
    const files = new Map(packaged.files);
    files.set('labels.txt', Buffer.from('one\ntwo\n'));
    await assert.rejects(loadPipeline({ ...packaged, files }, { modelStore: STORE, backend: 'wasm', engine: 'tfjs' }), { name: 'UserError', message: /name 2 classes.*scores 1000/ });
  });

  // The large featurizers run on generated weights when their store folder is empty; a
  // model.json there that holds other weights is refused before anything runs.
  for (const [featurizer, firstLayer] of [['vgg16', 'block1_conv1'], ['resnet152', 'conv1_conv'], ['densenet121', 'conv1/conv']] as const) {
    test(`${featurizer}: store weights that are not ${featurizer}'s are refused, naming the layer and the folder`, async () => {
      const store = storeWithLabelsOnly();
      const folder = join(store, featurizer);
      writeJson(join(folder, 'model.json'), { format: 'layers-model', modelTopology: {}, weightsManifest: [] });
      await assert.rejects(loadFeaturizer(featurizer, '1', { modelStore: store, precision: 'fp32', backend: 'wasm' }), (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.ok(error.message.includes(folder), error.message);
        assert.ok(error.message.includes(`layer "${firstLayer}" gets no weights`), error.message);
        assert.match(error.message, /generated weights/);
        assert.doesNotMatch(error.message, /not implemented|TODO/i);
        return true;
      });
    });
  }

  test('a store weight shard that is missing is named', async () => {
    const store = storeWithLabelsOnly();
    const folder = join(store, 'densenet121');
    writeJson(join(folder, 'model.json'), { format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'conv1/conv/kernel', shape: [7, 7, 3, 64], dtype: 'float32' }] }] });
    await assert.rejects(loadFeaturizer('densenet121', '1', { modelStore: store, precision: 'fp32', backend: 'wasm' }), {
      name: 'UserError',
      message: new RegExp(`DenseNet-121 weights in the model store are incomplete: ${join(folder, 'group1-shard1of1.bin').replace(/[.]/g, '\\.')} is missing`),
    });
  });

  test('an unknown featurizer is refused, listing the catalog', async () => {
    await assert.rejects(loadFeaturizer('inception_v3', '1', { modelStore: STORE, precision: 'fp32' }), { name: 'UserError', message: /unknown featurizer "inception_v3".*resnet152, densenet121, vgg16/ });
  });

  test('an unknown featurizer version is refused', async () => {
    await assert.rejects(loadFeaturizer('mobilenet_v1_0.25', '9', { modelStore: STORE, precision: 'fp32' }), { name: 'UserError', message: /no version "9"/ });
  });
});
