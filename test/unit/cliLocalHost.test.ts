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

  test('a batch with bad files prints every result it could compute, reports each other file, and exits 1', () => {
    const images = [join(IMAGES, 'cat.bmp'), join(REPO_ROOT, 'README.md'), join(IMAGES, 'bird.bmp'), join(REPO_ROOT, 'examples'), join(IMAGES, 'missing.jpg')];
    const run = fpga('classify', ...images, '--service', 'cats');
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /cat\.bmp\n#\s+confidence[\s\S]*Egyptian cat[\s\S]*bird\.bmp\n#\s+confidence[\s\S]*chickadee/);
    assert.deepEqual(run.stderr.trimEnd().split('\n'), [
      `fpga: ${images[1]}: not a supported image: expected JPEG, PNG, BMP, GIF or WebP; convert the file to one of these`,
      `fpga: ${images[3]} is a folder; give an image file (JPEG, PNG, BMP, GIF or WebP) (for the images in it: ${images[3]}/*.jpg)`,
      `fpga: ${images[4]}: no such file; give an image file (JPEG, PNG, BMP, GIF or WebP)`,
      'fpga: 3 of 5 images could not be classified',
    ]);
    const json = JSON.parse(fpga('classify', images[0] ?? '', images[1] ?? '', '--service', 'cats', '--json').stdout) as { image: string; predictions?: unknown[]; error?: string }[];
    assert.deepEqual(json.map((entry) => [entry.image, entry.predictions?.length, entry.error?.includes('not a supported image')]), [
      [images[0], 5, undefined],
      [images[1], undefined, true],
    ]);
  });

  test('a misspelled service name is answered with the name it most likely meant, once for a whole batch', () => {
    userError(fpga('classify', join(IMAGES, 'cat.bmp'), join(IMAGES, 'bird.bmp'), '--service', 'catz'), /^fpga: no service named "catz": did you mean "cats"\?\n$/);
    userError(fpga('keys', 'cat'), /no service named "cat": did you mean "cats"\?/);
    userError(fpga('delete', 'cts'), /no service named "cts": did you mean "cats"\?/);
    userError(fpga('keys', 'zebra'), /^fpga: no service named "zebra"\n$/);
  });

  test('deploy of a file that is no model names it and says what to give', () => {
    userError(fpga('deploy', 'README.md', '--name', 'docs'), /^fpga: README\.md is not a model to deploy: not a zip archive.*; give a model_def\.zip \("fpga package" writes one\) or a \*\.pipeline\.json\n$/);
    userError(fpga('deploy', 'examples', '--name', 'docs'), /^fpga: examples is a folder; give a model_def\.zip/);
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
    userError(fpga('models', 'delete', 'mobilenet-imagenet'), /no model "mobilenet-imagenet" is registered: did you mean "mobilenet-imagenet:1"\? A model id is <name>:<version>/);
    userError(fpga('models', 'delete', 'mobilenet-imagenet:2'), /no model "mobilenet-imagenet:2" is registered: did you mean "mobilenet-imagenet:1"\?/);
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
  test('with no variable set, packages, deploys on ../shared/models, classifies the given images, prints their top 5 and cleans up', () => {
    const env = { ...process.env };
    delete env.FPGA_MODEL_STORE;
    delete env.FPGA_STATE_DIR;
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'start.mjs'), join(IMAGES, 'parrot.jpg'), join(IMAGES, 'bird.bmp')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env,
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /\$ fpga package/);
    assert.match(run.stdout, new RegExp(`\\$ fpga deploy .* --model-store ${join(SHARED, 'models').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    assert.match(run.stdout, /1\s+[\d.]+%\s+88\s+macaw/);
    assert.match(run.stdout, /1\s+[\d.]+%\s+19\s+chickadee/);
    assert.match(run.stdout, /deleted service mobilenet-demo/);
  });
});
