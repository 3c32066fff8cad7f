/**
 * The service host in this process, over real HTTP on 127.0.0.1, running the real
 * MobileNet 0.75 example with its pretrained weights from ../shared/models.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readModelDef } from '../../src/pipeline/modelDefReader';
import type { PreprocessServiceStage } from '../../src/pipeline/serviceDef';
import { decodeImage } from '../../src/runtime/image/decode';
import { preprocessImage } from '../../src/runtime/image/preprocess';
import type { LoadedPipeline } from '../../src/runtime/types';
import { loadPipelineInWorker } from '../../src/runtime/worker/workerPipeline';
import { decodeFloat32, encodeFloat32 } from '../../src/service/binaryCodec';
import { DEFAULTS, startHost } from '../../src/service/host';
import type { RunningHost } from '../../src/service/host';
import { tempDir } from './helpers/fixtures';
import {
  Admin,
  HOTDOG_INDEX,
  IMAGE_NAMES,
  MODEL_STORE,
  binaryBody,
  bytesElements,
  call,
  classify,
  errorOf,
  exampleZip,
  featurizerZip,
  image,
  json,
  pngClaiming,
  splitBinaryReply,
  withOverrides,
} from './helpers/serviceHelpers';
import type { ClassifyView, Keys, Reply } from './helpers/serviceHelpers';

interface InferView {
  model_name: string;
  model_version: string;
  id?: string;
  parameters: { backend: string; precision: string; synthetic: boolean; batch_size: number; timings_ms: Record<string, number> };
  outputs: { name: string; datatype: string; shape: number[]; data: (number | string)[]; parameters?: { binary_data_size: number } }[];
}

const MODEL_ID = 'mobilenet-imagenet:1';
const MiB = 1024 * 1024;

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

function base64Request(images: Buffer[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [images.length], data: images.map((b) => b.toString('base64')) }], ...extra });
}

function assertError(reply: Reply, status: number, pattern: RegExp): void {
  assert.equal(reply.status, status, reply.text);
  assert.match(reply.headers.get('content-type') ?? '', /application\/json/);
  assert.match(errorOf(reply), pattern);
  assert.doesNotMatch(reply.text, /\n\s+at /, 'no stack trace');
}

/** A batch held by holdBatches waits here; `reached` resolves when one does. */
let held: { reached: () => void; released: Promise<void> } | undefined;

function holdBatches(): { reached: Promise<void>; go: () => void } {
  let reached!: () => void;
  let go!: () => void;
  const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
  held = { reached, released: new Promise<void>((resolve) => (go = resolve)) };
  const release = (): void => {
    held = undefined;
    go();
  };
  return { reached: reachedPromise, go: release };
}

/** The pipeline, with its batches paused while a test holds them (holdBatches). */
function holdable(pipeline: LoadedPipeline): LoadedPipeline {
  return withOverrides(pipeline, {
    score: async (batch) => {
      const hold = held;
      if (hold) {
        hold.reached();
        await hold.released;
      }
      return pipeline.score(batch);
    },
  });
}

describe('service host in-process (real MobileNet 0.75)', () => {
  let host: RunningHost;
  let admin: Admin;
  let keys: Keys;
  let zip: Buffer;
  const logLines: string[] = [];
  let gate: Promise<void> | undefined;
  /** Called as a batch starts running: a request is surely in flight then, however busy the machine. */

  const infer = (service: string, body: string | Buffer, key = keys.primary, headers: Record<string, string> = {}): Promise<Reply> =>
    call(`${host.url}/v2/models/${service}/infer`, { method: 'POST', token: key, body, headers: { 'content-type': 'application/json', ...headers } });

  before(async () => {
    host = await startHost({
      stateDir: tempDir('fpga-host-'),
      modelStore: MODEL_STORE,
      log: (line) => logLines.push(line),
      loadPipeline: async (zip, modelDef, options) => {
        if (gate) await gate;
        return holdable(await loadPipelineInWorker(zip, modelDef.serviceDef, options));
      },
    });
    admin = new Admin(host.url, host.adminToken);
    zip = await exampleZip();
    const registered = await admin.post('/admin/models', zip, 'application/zip');
    assert.equal(registered.status, 201, registered.text);
    assert.equal(json<{ id: string }>(registered).id, MODEL_ID);
    const deployed = await admin.deploy('cats', MODEL_ID);
    assert.equal(deployed.state, 'Transitioning');
    assert.equal(deployed.scoring_uri, `${host.url}/v2/models/cats/infer`);
    const healthy = await admin.settled('cats');
    assert.equal(healthy.state, 'Healthy', healthy.error ?? '');
    keys = await admin.keys('cats');
  });

  after(async () => {
    await host?.close();
  });

  test('server metadata, health, model metadata and readiness follow the Open Inference Protocol', async () => {
    const server = json<{ name: string; version: string; extensions: string[] }>(await call(`${host.url}/v2`));
    assert.equal(server.name, 'fpga-model-services');
    assert.equal(typeof server.version, 'string');
    assert.deepEqual(server.extensions, ['classification', 'binary_tensor_data']);
    assert.equal((await call(`${host.url}/v2/health/live`)).status, 200);
    await host.settled;
    assert.deepEqual(json(await call(`${host.url}/v2/health/ready`)), { ready: true });

    const metadata = json<Record<string, unknown>>(await call(`${host.url}/v2/models/cats`));
    assert.deepEqual(metadata, {
      name: 'cats',
      versions: ['1'],
      platform: 'fpga-model-services/onnxruntime',
      inputs: [
        { name: 'image', datatype: 'BYTES', shape: [-1] },
        { name: 'input', datatype: 'FP32', shape: [-1, 224, 224, 3] },
      ],
      outputs: [{ name: 'scores', datatype: 'FP32', shape: [-1, 1000] }],
    });
    assert.deepEqual(json(await call(`${host.url}/v2/models/cats/ready`)), { name: 'cats', ready: true });
    assert.equal((await call(`${host.url}/v2/models/cats/versions/1/ready`)).status, 200);
    assertError(await call(`${host.url}/v2/models/cats/versions/2`), 404, /runs version 1 .* not version 2/);

    const service = await admin.service('cats');
    assert.equal(service.backend, 'onnxruntime');
    assert.deepEqual(service.engines, { featurizer: { engine: 'onnxruntime', precision: 'fp32' }, classifier: { engine: 'onnxruntime', precision: 'fp32' } });
    assert.equal(service.precision, 'fp32');
    assert.equal(service.synthetic, false);
    assert.deepEqual(service.input_shape, [224, 224, 3]);
    assert.equal(service.classes, 1000);
    assert.equal(service.max_batch_size, 8);
    assert.equal(service.max_delay_ms, DEFAULTS.maxDelayMs);
  });

  test('classify: hot_dog.jpg is a hotdog, with timings per stage and the backend', async () => {
    const reply = await classify(host.url, 'cats', keys.primary, image('hot_dog.jpg'));
    assert.equal(reply.status, 200, reply.text);
    const result = json<ClassifyView>(reply);
    assert.equal(result.predictions.length, 5);
    assert.equal(result.predictions[0]?.index, HOTDOG_INDEX);
    assert.match(result.predictions[0]?.label ?? '', /hotdog/);
    assert.ok(result.predictions.every((p, i, all) => i === 0 || p.score <= (all[i - 1]?.score ?? 1)));
    assert.deepEqual(Object.keys(result.timings_ms), ['decode', 'preprocess', 'featurizer', 'classifier', 'queue', 'total']);
    assert.equal(result.backend, 'onnxruntime');
    assert.equal(result.precision, 'fp32');
    assert.equal(result.synthetic, false);

    const top3 = json<ClassifyView>(await classify(host.url, 'cats', keys.secondary, image('hot_dog.jpg'), '?top=3'));
    assert.equal(top3.predictions.length, 3);
    assertError(await classify(host.url, 'cats', keys.primary, image('hot_dog.jpg'), '?top=0'), 400, /top must be a whole number from 1 to 1000/);
    assertError(await classify(host.url, 'cats', keys.primary, image('hot_dog.jpg'), '?top=many'), 400, /top must be/);
  });

  test('infer with base64 BYTES images: one FP32 row per image, equal to classify', async () => {
    const images = [image('hot_dog.jpg'), image('parrot.jpg')];
    const reply = await infer('cats', base64Request(images, { id: 'request-7' }));
    assert.equal(reply.status, 200, reply.text);
    const result = json<InferView>(reply);
    assert.equal(result.model_name, 'cats');
    assert.equal(result.model_version, '1');
    assert.equal(result.id, 'request-7');
    assert.equal(result.parameters.backend, 'onnxruntime');
    assert.equal(result.parameters.precision, 'fp32');
    assert.equal(result.parameters.synthetic, false);
    assert.ok(result.parameters.timings_ms.featurizer !== undefined && result.parameters.timings_ms.total !== undefined);
    const [output] = result.outputs;
    assert.ok(output);
    assert.equal(output.name, 'scores');
    assert.equal(output.datatype, 'FP32');
    assert.deepEqual(output.shape, [2, 1000]);
    const rows = [output.data.slice(0, 1000) as number[], output.data.slice(1000) as number[]];
    assert.equal(argmax(rows[0] ?? []), HOTDOG_INDEX);
    assert.equal(argmax(rows[1] ?? []), 88); // macaw
    const single = json<ClassifyView>(await classify(host.url, 'cats', keys.primary, image('hot_dog.jpg'), '?top=1000'));
    for (const prediction of single.predictions) assert.ok(Math.abs((rows[0]?.[prediction.index] ?? -1) - prediction.score) < 1e-4);
  });

  test('classification extension: BYTES [N, k] of "score:index:label"', async () => {
    const images = [image('hot_dog.jpg'), image('parrot.jpg')];
    const perOutput = json<InferView>(await infer('cats', base64Request(images, { outputs: [{ name: 'scores', parameters: { classification: 3 } }] })));
    const [output] = perOutput.outputs;
    assert.equal(output?.datatype, 'BYTES');
    assert.deepEqual(output?.shape, [2, 3]);
    assert.match(String(output?.data[0]), /^0\.\d{6}:934:hotdog, hot dog, red hot$/);
    assert.match(String(output?.data[3]), /^0\.\d{6}:88:macaw$/);
    const scores = (output?.data ?? []).slice(0, 3).map((s) => Number(String(s).split(':')[0]));
    assert.deepEqual([...scores].sort((a, b) => b - a), scores);

    const requestLevel = json<InferView>(await infer('cats', base64Request([image('parrot.jpg')], { parameters: { classification: 1 } })));
    assert.deepEqual(requestLevel.outputs[0]?.shape, [1, 1]);
    assert.match(String(requestLevel.outputs[0]?.data[0]), /:88:macaw$/);
  });

  test('binary tensor data: BYTES in, FP32 out, and FP32 in, round trip against JSON', async () => {
    const images = [image('hot_dog.jpg'), image('bird.bmp')];
    const section = bytesElements(images);
    const { body, headerLength } = binaryBody(
      { inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: section.length } }], parameters: { binary_data_output: true } },
      [section],
    );
    const reply = await infer('cats', body, keys.primary, { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.headers.get('content-type'), 'application/octet-stream');
    const { header, binary } = splitBinaryReply(reply);
    const outputs = header.outputs as InferView['outputs'];
    assert.deepEqual(outputs[0]?.shape, [2, 1000]);
    assert.equal(outputs[0]?.parameters?.binary_data_size, 8000);
    assert.equal(outputs[0]?.data, undefined);
    const binaryScores = decodeFloat32(binary, 'scores');
    const jsonScores = json<InferView>(await infer('cats', base64Request(images))).outputs[0]?.data as number[];
    assert.ok(maxDifference(binaryScores, jsonScores) < 1e-6);
    assert.equal(argmax(binaryScores.subarray(1000)), 19); // chickadee

    // The same image pre-processed here and sent as FP32, binary then JSON: the same scores.
    const stage = readModelDef(zip).serviceDef.pipeline[0] as PreprocessServiceStage;
    const tensor = await preprocessImage(await decodeImage(image('hot_dog.jpg')), stage);
    const data = encodeFloat32(tensor.data);
    const fp32 = binaryBody({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 224, 224, 3], parameters: { binary_data_size: data.length } }] }, [data]);
    const fp32Reply = await infer('cats', fp32.body, keys.primary, { 'inference-header-content-length': String(fp32.headerLength) });
    assert.equal(fp32Reply.status, 200, fp32Reply.text);
    const fromTensor = json<InferView>(fp32Reply).outputs[0]?.data as number[];
    assert.equal(argmax(fromTensor), HOTDOG_INDEX);
    assert.ok(maxDifference(fromTensor, jsonScores.slice(0, 1000)) < 1e-4);
    const fp32Json = await infer('cats', JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 224, 224, 3], data: Array.from(tensor.data) }] }));
    assert.ok(maxDifference(json<InferView>(fp32Json).outputs[0]?.data as number[], fromTensor) < 1e-6);
  });

  test('keys: missing or wrong key is 401; regenerating one key invalidates only that one', async () => {
    const hotdog = image('hot_dog.jpg');
    const missing = await call(`${host.url}/v2/models/cats/classify`, { method: 'POST', body: hotdog });
    assertError(missing, 401, /missing "Authorization: Bearer <key>"/);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    assertError(await classify(host.url, 'cats', 'not-a-key', hotdog), 401, /not valid for service cats/);
    assertError(await infer('cats', base64Request([hotdog]), host.adminToken), 401, /not valid/);

    const old = await admin.keys('cats');
    const rotated = json<Keys>(await admin.post('/admin/services/cats/keys', { regenerate: 'primary' }));
    assert.notEqual(rotated.primary, old.primary);
    assert.equal(rotated.secondary, old.secondary);
    assert.deepEqual(await admin.keys('cats'), rotated);
    assert.equal((await classify(host.url, 'cats', old.primary, hotdog)).status, 401);
    assert.equal((await classify(host.url, 'cats', old.secondary, hotdog)).status, 200);
    assert.equal((await classify(host.url, 'cats', rotated.primary, hotdog)).status, 200);

    const rotatedAgain = json<Keys>(await admin.post('/admin/services/cats/keys', { regenerate: 'secondary' }));
    assert.equal(rotatedAgain.primary, rotated.primary);
    assert.equal((await classify(host.url, 'cats', old.secondary, hotdog)).status, 401);
    assert.equal((await classify(host.url, 'cats', rotatedAgain.secondary, hotdog)).status, 200);
    assertError(await admin.post('/admin/services/cats/keys', { regenerate: 'both' }), 400, /"primary" or "secondary"/);
    keys = rotatedAgain;
  });

  test('management API: models registered once per content, versions never reused, 409 while in use', async () => {
    assertError(await call(`${host.url}/admin/models`), 401, /missing "Authorization: Bearer <admin token>"/);
    assertError(await call(`${host.url}/admin/models`, { token: 'wrong' }), 401, /admin token is not valid/);

    const again = await admin.post('/admin/models', zip, 'application/zip');
    assert.equal(again.status, 200);
    assert.equal(json<{ id: string }>(again).id, MODEL_ID);
    const named = await admin.post('/admin/models?name=pets', zip, 'application/zip');
    assert.equal(named.status, 201);
    const pets = json<{ id: string; name: string; version: number; sha256: string; size: number; stages: unknown[] }>(named);
    assert.equal(pets.id, 'pets:1');
    assert.equal(pets.size, zip.length);
    assert.deepEqual(pets.stages, [
      { name: 'preprocess', type: 'preprocess' },
      { name: 'featurizer', type: 'brainwave', model_ref: 'mobilenet_v1_0.75' },
      { name: 'classifier', type: 'classifier' },
    ]);
    const listed = json<{ id: string }[]>(await admin.get('/admin/models')).map((m) => m.id);
    assert.ok(listed.includes(MODEL_ID) && listed.includes('pets:1'));
    assert.equal(json<{ id: string }>(await admin.get('/admin/models/pets:1')).id, 'pets:1');

    const garbage = Buffer.from('PK\u0003\u0004 this is not really a zip');
    let readerMessage = '';
    try {
      readModelDef(garbage);
    } catch (error) {
      readerMessage = (error as Error).message;
    }
    assertError(await admin.post('/admin/models', garbage, 'application/zip'), 400, new RegExp(`^${readerMessage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    assertError(await admin.post('/admin/models', Buffer.alloc(0), 'application/zip'), 400, /empty/);
    assertError(await admin.post('/admin/models?name=bad:name', zip, 'application/zip'), 400, /model name "bad:name" is not allowed/);

    assertError(await admin.delete(`/admin/models/${MODEL_ID}`), 409, /^model mobilenet-imagenet:1 is used by service cats; delete the service first$/);
    assert.equal((await admin.delete('/admin/models/pets:1')).status, 204);
    assertError(await admin.delete('/admin/models/pets:1'), 404, /no model "pets:1"/);
    assert.equal(json<{ id: string }>(await admin.post('/admin/models?name=pets', zip, 'application/zip')).id, 'pets:2');
    assert.equal((await admin.delete('/admin/models/pets:2')).status, 204);

    const info = json<Record<string, unknown>>(await admin.get('/admin/host'));
    assert.equal(info.pid, process.pid);
    assert.equal(info.engine, host.engine);
    assert.match(String(info.engine), /^auto \(onnxruntime 1\./);
    assert.equal(info.model_store, MODEL_STORE);
    assert.equal(typeof info.uptime_s, 'number');
    assert.equal(typeof info.services, 'number');
  });

  test('management API: service names, duplicates, unknown models and bad bodies', async () => {
    for (const name of ['Cats', 'ab', '-abc', 'abc-', 'a_b_c', 'x'.repeat(33)]) {
      assertError(await admin.post('/admin/services', { name, model: MODEL_ID }), 400, /is not allowed: use 3–32 lowercase letters/);
    }
    assertError(await admin.post('/admin/services', { name: 'cats', model: MODEL_ID }), 409, /already exists/);
    assertError(await admin.post('/admin/services', { name: 'dogs', model: 'nothing:1' }), 404, /no model "nothing:1"/);
    assertError(await admin.post('/admin/services', { name: 'dogs', model: MODEL_ID, maxBatchSize: 0 }), 400, /"maxBatchSize" must be a whole number from 1/);
    assertError(await admin.post('/admin/services', '{"name": '), 400, /not valid JSON/);
    assertError(await admin.get('/admin/services/dogs'), 404, /no service named "dogs"/);
    assertError(await admin.delete('/admin/services/dogs'), 404, /no service named "dogs"/);
    assert.ok(json<{ name: string }[]>(await admin.get('/admin/services')).some((s) => s.name === 'cats'));
  });

  test('routing: 404 for unknown services and routes, 405 with Allow', async () => {
    assertError(await infer('dogs', base64Request([image('hot_dog.jpg')])), 404, /no service named "dogs"/);
    assertError(await call(`${host.url}/v2/models/dogs/ready`), 404, /no service named "dogs"/);
    assertError(await call(`${host.url}/v3/anything`), 404, /no such endpoint: GET \/v3\/anything/);
    const wrongMethod = await call(`${host.url}/v2/models/cats/infer`);
    assertError(wrongMethod, 405, /GET is not allowed .* use POST/);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    assertError(await call(`${host.url}/v2`, { method: 'DELETE' }), 405, /DELETE is not allowed/);
    assertError(await admin.post('/admin/host', {}), 405, /POST is not allowed/);
  });

  test('503 while a service is Transitioning or Failed, with its state and error', async () => {
    let open: () => void = () => undefined;
    gate = new Promise((resolve) => (open = resolve));
    const slow = await admin.deploy('slow', MODEL_ID, { maxBatchSize: 2, maxDelayMs: 0 });
    assert.equal(slow.state, 'Transitioning');
    const slowKeys = await admin.keys('slow');
    assertError(await classify(host.url, 'slow', slowKeys.primary, image('hot_dog.jpg')), 503, /^service slow is Transitioning/);
    const ready = await call(`${host.url}/v2/models/slow/ready`);
    assert.equal(ready.status, 503);
    assert.match(errorOf(ready), /Transitioning/);
    assertError(await call(`${host.url}/v2/models/slow`), 503, /Transitioning/);
    gate = undefined;
    open();
    const healthy = await admin.settled('slow');
    assert.equal(healthy.state, 'Healthy');
    assert.equal(healthy.max_batch_size, 2);
    assert.equal(healthy.max_delay_ms, 0);
    assert.equal((await classify(host.url, 'slow', slowKeys.primary, image('hot_dog.jpg'))).status, 200);

    // MobileNet 0.5 is in the catalog but its weights are not in the store: the load fails.
    const half = await admin.registerModel(await featurizerZip('mobilenet_v1_0.5', 'mobilenet-half'));
    await admin.deploy('half', half.id);
    const failed = await admin.settled('half');
    assert.equal(failed.state, 'Failed');
    assert.match(failed.error ?? '', /mobilenet_v1_0\.50_224/);
    const halfKeys = await admin.keys('half');
    assertError(await classify(host.url, 'half', halfKeys.primary, image('hot_dog.jpg')), 503, /^service half is Failed: .*mobilenet_v1_0\.50_224/);
    assert.ok(logLines.some((line) => /service half: Failed: /.test(line)));
    assert.equal((await call(`${host.url}/v2/health/ready`)).status, 200, 'a failed service does not make the host unready');

    for (const name of ['slow', 'half']) assert.equal((await admin.delete(`/admin/services/${name}`)).status, 202);
    for (const name of ['slow', 'half']) {
      while ((await admin.get(`/admin/services/${name}`)).status !== 404) await sleep(20);
    }
    assert.equal((await admin.delete(`/admin/models/${half.id}`)).status, 204);
  });

  test('malformed input is a 4xx saying why, and the service keeps answering', async () => {
    const hotdog = image('hot_dog.jpg');
    const cases: [string, Buffer, RegExp][] = [
      ['truncated JPEG', hotdog.subarray(0, hotdog.length >> 1), /JPEG is truncated or corrupt/],
      ['0 bytes', Buffer.alloc(0), /empty/],
      ['a text file', Buffer.from('just some text, not a picture\n'), /not a supported image/],
      ['a PNG claiming 30000×30000', pngClaiming(30000, 30000), /30000×30000.*over the limit/],
    ];
    for (const [what, bytes, pattern] of cases) {
      assertError(await classify(host.url, 'cats', keys.primary, bytes), 400, pattern);
      if (bytes.length > 0) assertError(await infer('cats', base64Request([bytes])), 400, pattern);
      assert.equal((await call(`${host.url}/v2/health/ready`)).status, 200, `ready after ${what}`);
    }
    assertError(await infer('cats', base64Request([hotdog, hotdog.subarray(0, 100)])), 400, /^image 1: the JPEG is truncated/);

    const tensor = (shape: number[], datatype = 'FP32'): string =>
      JSON.stringify({ inputs: [{ name: 'input', datatype, shape, data: new Array(shape.reduce((a, b) => a * b, 1)).fill(0) }] });
    assertError(await infer('cats', tensor([1, 3, 224, 224])), 400, /shape \[1, 3, 224, 224\]; it must be \[N, 224, 224, 3\]/);
    assertError(await infer('cats', tensor([1, 224, 224, 3], 'INT32')), 400, /datatype INT32; it must be FP32/);
    assertError(await infer('cats', '{"inputs": [ {"name": '), 400, /not valid JSON/);
    assertError(await infer('cats', JSON.stringify({ inputs: [] })), 400, /exactly one input/);
    const tooBig = Buffer.alloc(32 * MiB + 1);
    assertError(await classify(host.url, 'cats', keys.primary, tooBig), 413, /larger than the limit of 33554432 bytes/);
    assertError(await infer('cats', tooBig), 413, /larger than the limit/);

    assert.equal((await call(`${host.url}/v2/health/ready`)).status, 200);
    const good = await classify(host.url, 'cats', keys.primary, hotdog);
    assert.equal(good.status, 200);
    assert.equal(json<ClassifyView>(good).predictions[0]?.index, HOTDOG_INDEX);
    assert.ok(!logLines.some((line) => /internal error/.test(line)), logLines.join('\n'));
  });

  test('32 concurrent callers with different images each get their own answer', async () => {
    const singles = new Map<string, number[]>();
    for (const name of IMAGE_NAMES) {
      const reply = await infer('cats', base64Request([image(name)]));
      assert.equal(reply.status, 200, reply.text);
      singles.set(name, json<InferView>(reply).outputs[0]?.data as number[]);
    }
    const names = Array.from({ length: 32 }, (_, i) => IMAGE_NAMES[i % IMAGE_NAMES.length] as string);
    const replies = await Promise.all(names.map((name) => infer('cats', base64Request([image(name)]))));
    let largestBatch = 0;
    replies.forEach((reply, i) => {
      assert.equal(reply.status, 200, reply.text);
      const result = json<InferView>(reply);
      const expected = singles.get(names[i] as string) ?? [];
      const scores = result.outputs[0]?.data as number[];
      assert.equal(argmax(scores), argmax(expected), `caller ${i} (${names[i]})`);
      assert.ok(maxDifference(scores, expected) < 1e-4, `caller ${i} (${names[i]}) got another image's scores`);
      largestBatch = Math.max(largestBatch, result.parameters.batch_size);
    });
    assert.ok(largestBatch > 1 && largestBatch <= 8, `batches were formed (largest ${largestBatch})`);
  });

  test('deleting a service lets its in-flight request finish, then it is gone', async () => {
    await admin.deploy('brief', MODEL_ID, { maxBatchSize: 2 });
    assert.equal((await admin.settled('brief')).state, 'Healthy');
    const briefKeys = await admin.keys('brief');
    const images = Array.from({ length: 8 }, () => image('bird.bmp'));
    // The request's first batch is held until the delete has been answered: it is in flight throughout.
    const release = holdBatches();
    const inFlight = infer('brief', base64Request(images), briefKeys.primary);
    await release.reached;
    const deleted = await admin.delete('/admin/services/brief');
    assert.equal(deleted.status, 202);
    assert.equal(json<{ state: string }>(deleted).state, 'Deleting');
    assertError(await classify(host.url, 'brief', briefKeys.primary, image('hot_dog.jpg')), 503, /^service brief is Deleting$/);
    release.go();
    const finished = await inFlight;
    assert.equal(finished.status, 200, finished.text);
    assert.deepEqual(json<InferView>(finished).outputs[0]?.shape, [8, 1000]);
    while ((await admin.get('/admin/services/brief')).status !== 404) await sleep(20);
    assert.equal((await admin.deploy('brief', MODEL_ID)).state, 'Transitioning', 'the name is free again');
    assert.equal((await admin.delete('/admin/services/brief')).status, 202);
  });
});

describe('service host with a tiny queue (in-process)', () => {
  let host: RunningHost;
  let admin: Admin;
  let keys: Keys;

  before(async () => {
    host = await startHost({ stateDir: tempDir('fpga-host-'), modelStore: MODEL_STORE, queueLimit: 1, maxBatchSize: 1, maxDelayMs: 0, log: () => undefined });
    admin = new Admin(host.url, host.adminToken);
    await admin.registerModel(await exampleZip());
    keys = await admin.deployHealthy('busy', MODEL_ID);
  });

  after(async () => {
    await host?.close();
  });

  test('a full queue answers 429 with Retry-After; the service recovers', async () => {
    const replies = await Promise.all(Array.from({ length: 8 }, () => classify(host.url, 'busy', keys.primary, image('hot_dog.jpg'))));
    const statuses = replies.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 200 || s === 429), statuses.join(','));
    assert.ok(statuses.includes(200) && statuses.includes(429), statuses.join(','));
    const refused = replies.find((r) => r.status === 429);
    assert.ok(refused);
    assertError(refused, 429, /queue is full/);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal((await classify(host.url, 'busy', keys.primary, image('hot_dog.jpg'))).status, 200);
    const twoImages = JSON.stringify({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], data: [image('bird.bmp').toString('base64'), image('bird.bmp').toString('base64')] }] });
    assertError(await call(`${host.url}/v2/models/busy/infer`, { method: 'POST', token: keys.primary, body: twoImages }), 400, /at most 1 per request/);
  });
});
