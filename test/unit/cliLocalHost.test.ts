/**
 * The `fpga` CLI against a real local service host it starts in the background:
 * deploy → services → classify → keys → models → delete → stop, as a user runs them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, tempDir } from './helpers/fixtures';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const SHARED = join(REPO_ROOT, '..', 'shared');
const IMAGES = join(SHARED, 'images');
const expected = JSON.parse(readFileSync(join(IMAGES, 'expected.json'), 'utf8')) as { images: Record<string, { top1: number[] }> };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const state = tempDir('fpga-cli-host-');

function fpga(...args: string[]): Run {
  const result = spawnSync(process.execPath, [CLI, ...args, '--state', state], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, FPGA_MODEL_STORE: join(SHARED, 'models') },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function ok(run: Run): string {
  assert.equal(run.code, 0, run.stderr);
  return run.stdout;
}

function userError(run: Run, pattern: RegExp): void {
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
  assert.match(run.stderr, pattern);
}

before(() => assert.ok(existsSync(CLI), 'dist/cli.js is missing: run "npm run build" first'));
after(() => fpga('stop'));

describe('fpga against the local service host', () => {
  test('commands that need a host say how to start one', () => {
    userError(fpga('services'), /no local service host is running for .*: start one with "fpga serve --state/);
  });

  test('deploy starts a host, registers the model and waits until the service is Healthy', () => {
    const out = ok(fpga('deploy', 'examples/mobilenet.pipeline.json', '--name', 'cats'));
    assert.match(out, /service cats: Healthy \(onnxruntime, fp32\)/);
    assert.match(out, /model mobilenet-imagenet:1/);
    assert.match(out, /scoring URI http:\/\/127\.0\.0\.1:\d+\/v2\/models\/cats\/infer/);
    const host = JSON.parse(readFileSync(join(state, 'host.json'), 'utf8')) as { url: string; pid: number };
    assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('a bad service name and a taken one are refused', () => {
    userError(fpga('deploy', 'examples/mobilenet.pipeline.json', '--name', 'Cats!'), /service name "Cats!" is not allowed/);
    userError(fpga('deploy', 'examples/mobilenet.pipeline.json', '--name', 'cats'), /cats/);
  });

  test('services --json lists name, model, state, scoring_uri, error and where the stages run', () => {
    const services = JSON.parse(ok(fpga('services', '--json'))) as Record<string, unknown>[];
    assert.equal(services.length, 1);
    assert.deepEqual(Object.keys(services[0] ?? {}), ['name', 'model', 'state', 'scoring_uri', 'error', 'backend', 'engines', 'precision']);
    assert.deepEqual(services[0]?.engines, { featurizer: { engine: 'onnxruntime', precision: 'fp32' }, classifier: { engine: 'onnxruntime', precision: 'fp32' } });
    assert.equal(services[0]?.state, 'Healthy');
    assert.equal(services[0]?.error, null);
  });

  test('classify --json gives each image its top 5, timings and backend; the top class is right', () => {
    const names = ['cat.bmp', 'hot_dog.jpg', 'parrot.jpg'];
    const results = JSON.parse(ok(fpga('classify', ...names.map((n) => join(IMAGES, n)), '--service', 'cats', '--json'))) as {
      image: string;
      predictions: { index: number; label: string; score: number }[];
      timings_ms: Record<string, number>;
      backend: string;
      engines?: Record<string, unknown>;
    }[];
    assert.deepEqual(results.map((r) => r.image), names.map((n) => join(IMAGES, n)));
    results.forEach((result, i) => {
      assert.equal(result.predictions.length, 5);
      assert.ok(expected.images[names[i] as string]?.top1.includes(result.predictions[0]?.index ?? -1), JSON.stringify(result.predictions[0]));
      assert.equal(result.backend, 'onnxruntime');
      assert.deepEqual(Object.keys(result.engines ?? {}), ['featurizer', 'classifier']);
      assert.ok((result.timings_ms.total ?? 0) > 0);
    });
  });

  test('classify prints a table with confidences and per-stage milliseconds; --top changes the count', () => {
    const out = ok(fpga('classify', join(IMAGES, 'hot_dog.jpg'), '--service', 'cats', '--top', '3'));
    assert.match(out, /1\s+\d+\.\d\d%\s+934\s+hotdog, hot dog, red hot/);
    assert.equal(out.split('\n').filter((line) => /^\d\s+\d/.test(line)).length, 3);
    assert.match(out, /ms: decode [\d.]+, preprocess [\d.]+, featurizer [\d.]+, classifier [\d.]+/);
  });

  test('classify of a file that is not an image is a clear error naming the file', () => {
    userError(fpga('classify', join(REPO_ROOT, 'README.md'), '--service', 'cats'), /README\.md: not a supported image/);
  });

  test('keys --json, and --regenerate replaces only the chosen key', () => {
    const before = JSON.parse(ok(fpga('keys', 'cats', '--json'))) as { primary: string; secondary: string };
    assert.match(before.primary, /^[A-Za-z0-9_-]{43}$/);
    const after = JSON.parse(ok(fpga('keys', 'cats', '--regenerate', 'secondary', '--json'))) as { primary: string; secondary: string };
    assert.equal(after.primary, before.primary);
    assert.notEqual(after.secondary, before.secondary);
    assert.equal(fpga('keys', 'cats', '--regenerate', 'tertiary').code, 2, 'bad choice is bad usage');
  });

  test('a model in use cannot be deleted; after the service goes, it can', () => {
    const models = JSON.parse(ok(fpga('models', '--json'))) as { id: string }[];
    assert.deepEqual(models.map((m) => m.id), ['mobilenet-imagenet:1']);
    userError(fpga('models', 'delete', 'mobilenet-imagenet:1'), /used by service cats/);
    assert.match(ok(fpga('delete', 'cats')), /deleted service cats/);
    // Deleting is asynchronous (in-flight requests finish first): wait for it.
    for (let i = 0; i < 50 && (JSON.parse(ok(fpga('services', '--json'))) as unknown[]).length > 0; i++) spawnSync('sleep', ['0.1']);
    assert.match(ok(fpga('models', 'delete', 'mobilenet-imagenet:1')), /deleted model mobilenet-imagenet:1/);
    assert.deepEqual(JSON.parse(ok(fpga('models', '--json'))), []);
  });

  test('stop stops the host; a second stop says none is running', () => {
    assert.match(ok(fpga('stop')), /stopped the local service host/);
    assert.ok(!existsSync(join(state, 'host.json')));
    assert.match(ok(fpga('stop')), /no local service host is running/);
  });
});

describe('npm start (the main command)', () => {
  test('packages, deploys, classifies the given images, prints their top 5 and cleans up', () => {
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'start.mjs'), join(IMAGES, 'parrot.jpg'), join(IMAGES, 'bird.bmp')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, FPGA_MODEL_STORE: join(SHARED, 'models') },
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /\$ fpga package/);
    assert.match(run.stdout, /1\s+[\d.]+%\s+88\s+macaw/);
    assert.match(run.stdout, /1\s+[\d.]+%\s+19\s+chickadee/);
    assert.match(run.stdout, /deleted service mobilenet-demo/);
  });
});
