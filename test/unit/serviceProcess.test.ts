/**
 * `fpga serve` as its own process (dist/cli.js), as users and the Local workspace run it:
 * what it prints, host.json, surviving kill -9 with every service and key, and a graceful
 * SIGTERM that lets an in-flight request finish.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT, tempDir } from './helpers/fixtures';
import { spawnWatched } from './helpers/watchedProcess';
import type { WatchedProcess } from './helpers/watchedProcess';
import { Admin, HOTDOG_INDEX, MODEL_STORE, classify, exampleZip, image, json } from './helpers/serviceHelpers';
import type { ClassifyView, Keys } from './helpers/serviceHelpers';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');

interface HostProcess extends WatchedProcess {
  url: string;
}

const children: ChildProcess[] = [];

function run(args: string[]): WatchedProcess {
  return spawnWatched(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, FPGA_MODEL_STORE: MODEL_STORE } }, children);
}

async function serve(stateDir: string, extra: string[] = []): Promise<HostProcess> {
  const started = run(['serve', '--state', stateDir, ...extra]);
  const deadline = Date.now() + 30_000;
  while (started.stdout.length === 0) {
    const early = await Promise.race([started.exited, sleep(20).then(() => undefined)]);
    if (early) throw new Error(`fpga serve exited (${early.code ?? early.signal}): ${started.stderr()}`);
    if (Date.now() > deadline) throw new Error(`fpga serve printed nothing: ${started.stderr()}`);
  }
  const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(started.stdout[0] ?? '');
  assert.ok(match, `first line: ${started.stdout[0]}`);
  return { ...started, url: match[1] as string };
}

function hostFile(stateDir: string): { url: string; adminToken: string; pid: number } {
  return JSON.parse(readFileSync(join(stateDir, 'host.json'), 'utf8')) as { url: string; adminToken: string; pid: number };
}

before(() => {
  if (!existsSync(CLI)) {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
  }
});

after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('fpga serve (child process)', () => {
  test('prints where it listens, survives kill -9 with every service and key, stops gracefully on SIGTERM', async () => {
    const stateDir = tempDir('fpga-serve-');
    const first = await serve(stateDir);
    await sleep(50);
    assert.equal(first.stdout.filter((line) => line.startsWith('listening on')).length, 1);
    assert.match(first.stdout[1] ?? '', /^engine auto \(onnxruntime 1\.\d+\.\d+, \d+ threads?;/);
    const written = hostFile(stateDir);
    assert.equal(written.url, first.url);
    assert.equal(written.pid, first.child.pid);
    assert.match(written.adminToken, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(join(stateDir, 'host.json')).mode & 0o777, 0o600);

    let admin = new Admin(first.url, written.adminToken);
    const model = await admin.registerModel(await exampleZip());
    await admin.deploy('cats', model.id);
    await admin.deploy('dogs', model.id, { maxBatchSize: 4 });
    assert.equal((await admin.settled('cats')).state, 'Healthy');
    assert.equal((await admin.settled('dogs')).state, 'Healthy');
    const catKeys: Keys = await admin.keys('cats');
    const dogKeys: Keys = await admin.keys('dogs');
    assert.equal((await classify(first.url, 'cats', catKeys.primary, image('hot_dog.jpg'))).status, 200);

    // A second host on the same folder is refused while this one runs.
    const second = run(['serve', '--state', stateDir]);
    const refused = await second.exited;
    assert.equal(refused.code, 1);
    assert.match(second.stderr().trim(), /^fpga: another service host \(pid \d+\) is serving .* at http:\/\/127\.0\.0\.1:\d+; stop it first/);

    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');

    const restarted = await serve(stateDir);
    const token = hostFile(stateDir).adminToken;
    assert.notEqual(token, written.adminToken, 'a new admin token at every start');
    admin = new Admin(restarted.url, token);
    const cats = await admin.settled('cats');
    const dogs = await admin.settled('dogs');
    assert.equal(cats.state, 'Healthy', cats.error ?? '');
    assert.equal(dogs.state, 'Healthy', dogs.error ?? '');
    assert.equal(dogs.max_batch_size, 4);
    assert.deepEqual(await admin.keys('cats'), catKeys);
    assert.deepEqual(await admin.keys('dogs'), dogKeys);
    assert.deepEqual(
      json<{ id: string }[]>(await admin.get('/admin/models')).map((m) => m.id),
      [model.id],
    );
    assert.ok(restarted.stdout.includes('restoring service cats') && restarted.stdout.includes('restoring service dogs'), restarted.stdout.join('\n'));
    const answer = await classify(restarted.url, 'dogs', dogKeys.secondary, image('hot_dog.jpg'));
    assert.equal(json<ClassifyView>(answer).predictions[0]?.index, HOTDOG_INDEX);

    // SIGTERM while a request is in flight: it completes, then the host exits 0. Twelve
    // images make three batches on dogs (max 4): the model blocks the event loop while a
    // batch runs, so the signal is handled between batches, with the request in flight.
    const images = Array.from({ length: 12 }, () => image('bird.bmp').toString('base64'));
    const body = JSON.stringify({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [12], data: images }] });
    const inFlight = fetch(`${restarted.url}/v2/models/dogs/infer`, { method: 'POST', headers: { authorization: `Bearer ${dogKeys.primary}` }, body });
    await sleep(150);
    restarted.child.kill('SIGTERM');
    const response = await inFlight;
    assert.equal(response.status, 200);
    const result = (await response.json()) as { outputs: { shape: number[] }[] };
    assert.deepEqual(result.outputs[0]?.shape, [12, 1000]);
    const stopped = await restarted.exited;
    assert.equal(stopped.code, 0, restarted.stderr());
    assert.match(restarted.stderr(), /host stopping: 1 request\(s\) in flight[\s\S]*host stopped/, 'the request was in flight at SIGTERM');
    assert.ok(!existsSync(join(stateDir, 'host.json')), 'host.json is removed by a graceful stop');
    await assert.rejects(fetch(`${restarted.url}/v2/health/live`));
  });

  test('a port already in use is one line and exit code 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const busy = run(['serve', '--state', tempDir('fpga-serve-'), '--port', String(port)]);
      const { code } = await busy.exited;
      assert.equal(code, 1);
      const lines = busy.stderr().trimEnd().split('\n');
      assert.deepEqual(lines.length, 1, busy.stderr());
      assert.match(lines[0] ?? '', new RegExp(`^fpga: port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      blocker.close();
    }
  });
});
