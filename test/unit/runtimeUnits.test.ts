/** The runtime's small pure parts: top-k, labels, the model store, int8 rounding, seeded weights, backend choice. */
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_ENV, initBackend } from '../../src/runtime/backend';
import { fillNormal, seededUniform } from '../../src/runtime/featurizers/generatedWeights';
import { MODEL_STORE_ENV, mobilenetFolder, parseLabels, resolveModelStore, storeLabelsPath } from '../../src/runtime/modelStore';
import { INT8_LEVELS, fakeQuantizeChannels } from '../../src/runtime/quantize';
import { topK } from '../../src/runtime/topK';

describe('topK', () => {
  const labels = ['a', 'b', 'c', 'd', 'e'];

  test('most likely first, with labels and scores', () => {
    assert.deepEqual(topK(new Float32Array([0.1, 0.5, 0.2, 0.15, 0.05]), labels, 3), [
      { index: 1, label: 'b', score: 0.5 },
      { index: 2, label: 'c', score: 0.20000000298023224 },
      { index: 3, label: 'd', score: 0.15000000596046448 },
    ]);
  });

  test('ties keep the lower index first; NaN ranks last; k is clamped', () => {
    const scores = new Float32Array([0.25, Number.NaN, 0.25, 0.5, 0.25]);
    assert.deepEqual(topK(scores, labels, 10).map((p) => p.index), [3, 0, 2, 4, 1]);
    assert.deepEqual(topK(scores, labels, 0), []);
  });

  test('a class without a label gets a placeholder name', () => {
    assert.equal(topK(new Float32Array([0, 1]), ['only'], 1)[0]?.label, 'class 1');
  });
});

describe('labels and the model store', () => {
  const saved = process.env[MODEL_STORE_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[MODEL_STORE_ENV];
    else process.env[MODEL_STORE_ENV] = saved;
  });

  test('one class a line; CRLF, a BOM and a final newline are accepted', () => {
    assert.deepEqual(parseLabels('\uFEFFtench\r\ngoldfish\r\n'), ['tench', 'goldfish']);
    assert.deepEqual(parseLabels('a\nb'), ['a', 'b']);
    assert.deepEqual(parseLabels('a\n\nc\n'), ['a', '', 'c'], 'an empty line in the middle is a class (the count check will say so)');
  });

  test('store precedence: explicit > FPGA_MODEL_STORE > setting > ~/.fpga/models', () => {
    delete process.env[MODEL_STORE_ENV];
    assert.equal(resolveModelStore(), join(homedir(), '.fpga', 'models'));
    assert.equal(resolveModelStore(undefined, '/from/setting'), '/from/setting');
    assert.equal(resolveModelStore(undefined, '  '), join(homedir(), '.fpga', 'models'), 'an empty setting means unset');
    process.env[MODEL_STORE_ENV] = '/from/env';
    assert.equal(resolveModelStore(undefined, '/from/setting'), '/from/env');
    assert.equal(resolveModelStore('relative/store', '/from/setting'), resolve('relative/store'));
    assert.equal(resolveModelStore('~/models'), join(homedir(), 'models'));
  });

  test('store layout: MobileNet folders use the published names; labels under labels/', () => {
    assert.equal(mobilenetFolder('/s', 'mobilenet_v1_0.25'), join('/s', 'mobilenet_v1_0.25_224'));
    assert.equal(mobilenetFolder('/s', 'mobilenet_v1_0.5'), join('/s', 'mobilenet_v1_0.50_224'));
    assert.equal(mobilenetFolder('/s', 'mobilenet_v1_1.0'), join('/s', 'mobilenet_v1_1.0_224'));
    assert.equal(storeLabelsPath('/s', 'imagenet'), join('/s', 'labels', 'imagenet_1000.txt'));
  });
});

describe('int8 fake quantization', () => {
  test('per channel: at most 255 levels, error within half a step, max |w| kept exactly', () => {
    // Two interleaved channels (flat index mod 2) of very different ranges.
    const values = new Float32Array(200).map((_, i) => (i % 2 === 0 ? Math.sin(i) * 4 : Math.cos(i) * 0.01));
    const original = values.slice();
    fakeQuantizeChannels(values, 2);
    for (const channel of [0, 1]) {
      const own = (array: Float32Array): number[] => Array.from(array).filter((_, i) => i % 2 === channel);
      const maxAbs = Math.max(...own(original).map(Math.abs));
      const step = maxAbs / INT8_LEVELS;
      own(values).forEach((q, k) => assert.ok(Math.abs(q - (own(original)[k] as number)) <= step / 2 + 1e-7));
      assert.ok(new Set(own(values)).size <= 2 * INT8_LEVELS + 1);
      assert.ok(Math.abs(Math.max(...own(values).map(Math.abs)) - maxAbs) < 1e-6);
    }
  });

  test('an all-zero channel stays zero', () => {
    assert.deepEqual(Array.from(fakeQuantizeChannels(new Float32Array([0, 2, 0, -2]), 2)), [0, 2, 0, -2]);
  });
});

describe('seeded generated weights', () => {
  test('the same seed gives the same values; another seed others; N(0, std²)', () => {
    const a = fillNormal(new Float32Array(100_001), 2, seededUniform(42));
    const b = fillNormal(new Float32Array(100_001), 2, seededUniform(42));
    const c = fillNormal(new Float32Array(100_001), 2, seededUniform(43));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const mean = a.reduce((sum, v) => sum + v, 0) / a.length;
    const variance = a.reduce((sum, v) => sum + (v - mean) ** 2, 0) / a.length;
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 4) < 0.1, `mean ${mean}, variance ${variance}`);
  });
});

describe('backend choice', () => {
  const saved = process.env[BACKEND_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[BACKEND_ENV];
    else process.env[BACKEND_ENV] = saved;
  });

  test('auto without tfjs-node is wasm; asking again returns the running backend', async () => {
    delete process.env[BACKEND_ENV];
    assert.equal(await initBackend(), tf.findBackendFactory('tensorflow') ? 'tensorflow' : 'wasm');
    assert.equal(await initBackend('auto'), tf.getBackend());
  });

  test('FPGA_BACKEND must name a backend', async () => {
    process.env[BACKEND_ENV] = 'gpu';
    await assert.rejects(initBackend(), { name: 'UserError', message: /FPGA_BACKEND="gpu".*tensorflow, wasm, cpu/ });
  });

  test('asking for tensorflow without tfjs-node says which backend and why', async (t) => {
    if (tf.findBackendFactory('tensorflow')) return t.skip('tfjs-node is installed here');
    await assert.rejects(initBackend('tensorflow'), { name: 'UserError', message: /"tensorflow" backend cannot start: @tensorflow\/tfjs-node is not installed/ });
    assert.equal(tf.getBackend(), 'wasm', 'the running backend is kept');
  });

  test('cpu only when asked for by name (FPGA_BACKEND=cpu), then back to wasm', async () => {
    process.env[BACKEND_ENV] = 'cpu';
    assert.equal(await initBackend(), 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    delete process.env[BACKEND_ENV];
    assert.equal(await initBackend('wasm'), 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
  });
});
