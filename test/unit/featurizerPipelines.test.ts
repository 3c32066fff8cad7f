/**
 * One example pipeline per featurizer (examples/*.pipeline.json) packages, deploys on an
 * in-process service host and classifies an image: 1000 scores and the top 5. The store is
 * temporary, with the shared labels and MobileNet folder linked in, so the four large
 * featurizers run on generated weights (synthetic) and MobileNet on its real ones.
 *
 * One service at a time, deleted before the next: VGG-16 alone holds 138M floats.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packagePipeline } from '../../src/pipeline/packager';
import { startHost } from '../../src/service/host';
import type { RunningHost } from '../../src/service/host';
import { EXAMPLES, tempDir } from './helpers/fixtures';
import { Admin, MODEL_STORE, call, classify, image, json } from './helpers/serviceHelpers';
import type { ClassifyView, ServiceView } from './helpers/serviceHelpers';

interface ScoresView {
  parameters: { synthetic: boolean };
  outputs: { name: string; shape: number[]; data: number[] }[];
}

/**
 * The host runs in this process, so building a large model blocks the test's HTTP client
 * too; a keep-alive socket the server times out in that moment is reset under the next
 * request (the keep-alive race, not a host error). Such a call is simply made again.
 */
async function again<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof TypeError) || !/fetch failed/.test(error.message)) throw error;
    return call();
  }
}

/**
 * Polls until the service leaves Transitioning. A first load compiles the featurizer to ONNX
 * (VGG-16: 138 M parameters built, converted and loaded), which takes minutes on two busy cores.
 */
async function settled(admin: Admin, name: string): Promise<ServiceView> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const service = await again(() => admin.service(name));
    if (service.state !== 'Transitioning') return service;
    assert.ok(Date.now() < deadline, `service ${name} still Transitioning after 300 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const EXAMPLE_FEATURIZERS = [
  { example: 'mobilenet', featurizer: 'mobilenet_v1_0.75', synthetic: false },
  { example: 'resnet50', featurizer: 'resnet50', synthetic: true },
  { example: 'resnet152', featurizer: 'resnet152', synthetic: true },
  { example: 'densenet121', featurizer: 'densenet121', synthetic: true },
  { example: 'vgg16', featurizer: 'vgg16', synthetic: true },
] as const;

describe('an example pipeline per featurizer, deployed on a local host', () => {
  let host: RunningHost;
  let admin: Admin;

  before(async () => {
    const store = tempDir('fpga-store-');
    mkdirSync(join(store, 'labels'));
    symlinkSync(join(MODEL_STORE, 'labels', 'imagenet_1000.txt'), join(store, 'labels', 'imagenet_1000.txt'));
    symlinkSync(join(MODEL_STORE, 'mobilenet_v1_0.75_224'), join(store, 'mobilenet_v1_0.75_224'));
    host = await startHost({ stateDir: tempDir('fpga-host-'), modelStore: store, log: () => undefined });
    admin = new Admin(host.url, host.adminToken);
  });

  after(async () => {
    await host?.close();
  });

  for (const { example, featurizer, synthetic } of EXAMPLE_FEATURIZERS) {
    test(`${example}.pipeline.json (${featurizer}) answers with 1000 scores and the top 5`, async () => {
      const { zip } = await packagePipeline(join(EXAMPLES, `${example}.pipeline.json`));
      const { id } = await again(() => admin.registerModel(zip));
      const service = `svc-${example}`;
      await again(() => admin.deploy(service, id));
      const ready = await settled(admin, service);
      assert.equal(ready.state, 'Healthy', ready.error ?? '');
      assert.equal(ready.synthetic, synthetic);
      const keys = await again(() => admin.keys(service));

      const body = JSON.stringify({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [image('hot_dog.jpg').toString('base64')] }] });
      const inferred = await again(() => call(`${host.url}/v2/models/${service}/infer`, { method: 'POST', token: keys.primary, body, headers: { 'content-type': 'application/json' } }));
      assert.equal(inferred.status, 200, inferred.text);
      const scores = json<ScoresView>(inferred);
      assert.deepEqual(scores.outputs[0]?.shape, [1, 1000]);
      assert.equal(scores.outputs[0]?.data.length, 1000);
      assert.ok(Math.abs((scores.outputs[0]?.data ?? []).reduce((sum, p) => sum + p, 0) - 1) < 1e-3, 'softmax scores sum to 1');
      assert.equal(scores.parameters.synthetic, synthetic);

      const classified = await again(() => classify(host.url, service, keys.primary, image('hot_dog.jpg')));
      assert.equal(classified.status, 200, classified.text);
      const view = json<ClassifyView>(classified);
      assert.equal(view.predictions.length, 5);
      assert.equal(view.synthetic, synthetic);
      assert.ok(view.predictions.every((p) => typeof p.label === 'string' && p.label !== '' && p.index >= 0 && p.index < 1000));
      if (!synthetic) assert.equal(view.predictions[0]?.index, 934, 'real MobileNet weights see a hot dog');

      // Free the model before the next one is built.
      assert.ok((await again(() => admin.delete(`/admin/services/${service}`))).status < 300);
      const deadline = Date.now() + 30_000;
      while ((await again(() => admin.get(`/admin/services/${service}`))).status !== 404) {
        assert.ok(Date.now() < deadline, `service ${service} still there after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal((await again(() => admin.delete(`/admin/models/${id}`))).status, 204);
    });
  }
});
