/**
 * The service host under attack, in process over 127.0.0.1: a zip bomb of many entries
 * while health checks go on, admission before decoding, DNS rebinding, compressed and
 * non-finite inputs, slow clients, storage failures and the state folder's lock and modes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { loadPipelineInWorker } from '../../src/runtime/worker/workerPipeline';
import { startHost } from '../../src/service/host';
import type { RunningHost } from '../../src/service/host';
import { tempDir } from './helpers/fixtures';
import { Admin, MODEL_STORE, binaryBody, call, classify, errorOf, exampleZip, featurizerZip, image, manyEntryBomb, withOverrides } from './helpers/serviceHelpers';
import type { Keys, Reply } from './helpers/serviceHelpers';

const MODEL_ID = 'mobilenet-imagenet:1';
const MiB = 1024 * 1024;

/** node:http, because fetch will not send a Host header of the caller's choosing. */
function rawGet(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Milliseconds until the host closes a socket that sends `bytes` and then nothing. */
function closedAfter(url: string, bytes: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(performance.now() - started));
  });
}

describe('service host hardening (in-process, real MobileNet 0.75)', () => {
  let host: RunningHost;
  let admin: Admin;
  let keys: Keys;
  const stateDir = tempDir('fpga-hardening-');
  const logLines: string[] = [];
  let decodes = 0;

  before(async () => {
    // A state folder left world-readable by an older launcher, with a log file to match.
    chmodSync(stateDir, 0o755);
    writeFileSync(join(stateDir, 'host.log'), 'old log\n', { mode: 0o644 });
    host = await startHost({
      stateDir,
      modelStore: MODEL_STORE,
      queueLimit: 2,
      maxBatchSize: 1,
      headersTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      log: (line) => logLines.push(line),
      // Counts decodes: a refused request must never reach one.
      loadPipeline: async (zip, modelDef, options) => {
        const pipeline = await loadPipelineInWorker(zip, modelDef.serviceDef, options);
        return withOverrides(pipeline, {
          prepare: (bytes) => {
            decodes++;
            return pipeline.prepare(bytes);
          },
        });
      },
    });
    admin = new Admin(host.url, host.adminToken);
    await admin.registerModel(await exampleZip());
    keys = await admin.deployHealthy('cats', MODEL_ID);
  });

  after(async () => {
    await host?.close();
  });

  test('the state folder is 0700 and its files 0600 whoever created them', () => {
    assert.equal(statSync(stateDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(stateDir, 'models')).mode & 0o777, 0o700);
    for (const name of ['host.log', 'host.json', 'state.json']) assert.equal(statSync(join(stateDir, name)).mode & 0o777, 0o600, name);
  });

  test('a second host on the same folder is refused, naming the one that holds it', async () => {
    await assert.rejects(
      startHost({ stateDir, modelStore: MODEL_STORE, log: () => undefined }),
      new RegExp(`another service host \\(pid ${process.pid}\\) is serving .* at ${host.url.replace(/[.:/]/g, '\\$&')}; stop it first`),
    );
  });

  test('a zip bomb of many entries is refused in milliseconds while health checks are answered', async () => {
    const bomb = manyEntryBomb(4000);
    assert.ok(bomb.length < 6 * MiB);
    let healthChecks = 0;
    let uploading = true;
    const probe = (async () => {
      while (uploading) {
        assert.equal((await call(`${host.url}/v2/health/live`)).status, 200);
        healthChecks++;
        await sleep(5);
      }
    })();
    const started = performance.now();
    const reply = await admin.post('/admin/models', bomb, 'application/zip');
    const elapsed = performance.now() - started;
    uploading = false;
    await probe;
    assert.equal(reply.status, 400);
    assert.match(errorOf(reply), /4000 entries, more than the limit of 1000/);
    assert.ok(elapsed < 2000, `${elapsed} ms`);
    assert.ok(healthChecks > 0);
    // Under the entry limit, the archive's ratio refuses it from the directory alone.
    const smaller = await admin.post('/admin/models', manyEntryBomb(900), 'application/zip');
    assert.equal(smaller.status, 400);
    assert.match(errorOf(smaller), /ratio over the limit of 200:1 for the archive/);
    assert.deepEqual(readdirSync(join(stateDir, 'models')).length, 1, 'only the example model is stored');
  });

  test('refusals come before decoding: bad key, too large, not Healthy, queue full', async () => {
    const before = decodes;
    assert.equal((await classify(host.url, 'cats', 'wrong-key', image('cat_720p.jpg'))).status, 401);
    const tooLarge = await call(`${host.url}/v2/models/cats/classify`, { method: 'POST', token: keys.primary, body: Buffer.alloc(33 * MiB) });
    assert.equal(tooLarge.status, 413);
    await admin.registerModel(await featurizerZip('mobilenet_v1_0.5', 'no-weights'), 'no-weights');
    await admin.deploy('broken', 'no-weights:1');
    assert.equal((await admin.settled('broken')).state, 'Failed');
    const brokenKeys = await admin.keys('broken');
    assert.equal((await classify(host.url, 'broken', brokenKeys.primary, image('cat_720p.jpg'))).status, 503);
    assert.equal(decodes, before, 'nothing was decoded');

    // 24 clients at once on a service that takes 2 images at a time: the rest are refused
    // before their images are decoded, and fast.
    const replies = await Promise.all(
      Array.from({ length: 24 }, async () => {
        const started = performance.now();
        const reply = await classify(host.url, 'cats', keys.primary, image('cat_720p.jpg'));
        return { reply, ms: performance.now() - started };
      }),
    );
    const ok = replies.filter((r) => r.reply.status === 200);
    const refused = replies.filter((r) => r.reply.status === 429);
    assert.equal(ok.length + refused.length, 24, replies.map((r) => r.reply.status).join(','));
    assert.ok(refused.length > 0);
    assert.equal(decodes - before, ok.length, 'only admitted requests were decoded');
    assert.match(errorOf(refused[0]!.reply), /queue is full \(\d+ of 2 images being read, decoded, queued or run\)/);
    assert.ok(Number(refused[0]!.reply.headers.get('retry-after')) >= 1);
    const median = refused.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(refused.length / 2)]!;
    const slowestOk = Math.max(...ok.map((r) => r.ms));
    assert.ok(median < slowestOk, `429s (median ${median.toFixed(0)} ms) come back before the work they would have queued behind (${slowestOk.toFixed(0)} ms)`);
  });

  test('a Host header naming another site is refused (DNS rebinding); loopback names and addresses are served', async () => {
    const port = new URL(host.url).port;
    assert.equal(await rawGet(`${host.url}/v2`, `attacker.example:${port}`), 403);
    assert.equal(await rawGet(`${host.url}/v2/models/cats`, 'rebind.attacker.example'), 403);
    for (const name of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `[::1]:${port}`, 'app.localhost']) {
      assert.equal(await rawGet(`${host.url}/v2`, name), 200, name);
    }
  });

  test('a compressed body is answered 415, naming the encoding', async () => {
    const reply = await call(`${host.url}/v2/models/cats/classify`, {
      method: 'POST',
      token: keys.primary,
      body: gzipSync(image('hot_dog.jpg')),
      headers: { 'content-encoding': 'gzip' },
    });
    assert.equal(reply.status, 415);
    assert.match(errorOf(reply), /Content-Encoding "gzip" is not supported: send the image uncompressed/);
  });

  test('NaN and ±Inf in a binary FP32 tensor are refused', async () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const values = new Float32Array(224 * 224 * 3);
      values[7] = bad;
      const header = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 224, 224, 3], parameters: { binary_data_size: values.byteLength } }] };
      const { body, headerLength } = binaryBody(header, [Buffer.from(values.buffer)]);
      const reply: Reply = await call(`${host.url}/v2/models/cats/infer`, {
        method: 'POST',
        token: keys.primary,
        body,
        headers: { 'inference-header-content-length': String(headerLength) },
      });
      assert.equal(reply.status, 400);
      assert.match(errorOf(reply), new RegExp(`value 7 is ${String(bad)}; every FP32 value must be a finite number`));
    }
  });

  test('slow clients are cut: headers never finished, a body trickled', async () => {
    const [slowloris, trickle] = await Promise.all([
      closedAfter(host.url, 'GET /v2 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '),
      closedAfter(host.url, `POST /v2/models/cats/classify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${keys.primary}\r\nContent-Length: 100000\r\n\r\nabc`),
    ]);
    // 1 s and 2 s limits here, checked every second.
    assert.ok(slowloris < 4000, `slowloris held ${slowloris} ms`);
    assert.ok(trickle < 5000, `trickled body held ${trickle} ms`);
    assert.equal((await call(`${host.url}/v2/health/live`)).status, 200);
  });

  test('a registration whose state cannot be written leaves no zip behind', async () => {
    const models = join(stateDir, 'models');
    const storedBefore = readdirSync(models).sort();
    // state.json replaced by a folder: the zip gets stored, then the state write fails.
    const statePath = join(stateDir, 'state.json');
    rmSync(statePath);
    mkdirSync(statePath);
    try {
      const reply = await admin.post('/admin/models?name=orphan', await featurizerZip('mobilenet_v1_0.25', 'orphan'), 'application/zip');
      assert.equal(reply.status, 500);
      assert.deepEqual(readdirSync(models).sort(), storedBefore);
    } finally {
      rmSync(statePath, { recursive: true });
    }
  });
});

describe('service host start-up refusals', () => {
  test('a non-loopback address needs --allow-remote', async () => {
    await assert.rejects(
      startHost({ stateDir: tempDir('fpga-remote-'), host: '0.0.0.0', log: () => undefined }),
      /--host 0\.0\.0\.0 would make every service reachable from the network, with nothing but its keys .*; add --allow-remote/,
    );
  });
});

/**
 * A full disk, for real: a 1 MiB tmpfs, where this test may mount one (root in a
 * container that allows it); skipped elsewhere, saying why.
 */
describe('service host on a full file system', () => {
  const mountPoint = tempDir('fpga-tmpfs-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { encoding: 'utf8' }).status === 0;
  let host: RunningHost | undefined;

  after(async () => {
    await host?.close();
    if (mounted) spawnSync('umount', [mountPoint]);
  });

  test('ENOSPC answers 507 naming the state folder, EROFS 500; nothing is left behind', { skip: mounted ? false : 'cannot mount a tmpfs here (needs root and mount rights)' }, async () => {
    const stateDir = join(mountPoint, 'state');
    host = await startHost({ stateDir, modelStore: MODEL_STORE, log: () => undefined });
    const admin = new Admin(host.url, host.adminToken);
    // Leave less room than a model zip needs.
    const zip = await exampleZip();
    let filler = 0;
    for (;;) {
      try {
        writeFileSync(join(mountPoint, `filler-${filler++}`), Buffer.alloc(64 * 1024));
      } catch {
        break;
      }
    }
    const full = await admin.post('/admin/models', zip, 'application/zip');
    assert.equal(full.status, 507, full.text);
    assert.match(errorOf(full), new RegExp(`the state folder ${stateDir.replace(/[/.-]/g, '\\$&')} is out of space \\(ENOSPC\\): nothing was changed; free space`));
    assert.deepEqual(readdirSync(join(stateDir, 'models')), []);
    assert.ok(!existsSync(join(stateDir, 'state.json')) || (await admin.get('/admin/models')).text === '[]');

    assert.equal(spawnSync('mount', ['-o', 'remount,ro', mountPoint]).status, 0);
    const readOnly = await admin.post('/admin/models', zip, 'application/zip');
    assert.equal(readOnly.status, 500, readOnly.text);
    assert.match(errorOf(readOnly), /cannot write to the state folder .* \(EROFS: its file system is read-only\): nothing was changed/);
    spawnSync('mount', ['-o', 'remount,rw', mountPoint]);
  });
});
