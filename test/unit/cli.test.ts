/** The bundled `fpga` CLI (dist/cli.js, built by `npm run build`) run as a user would. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import JSZip from 'jszip';
import { sha256Hex } from '../../src/common/hash';
import { EXAMPLES, mobilenetPipeline, REPO_ROOT, tempDir, writeJson } from './helpers/fixtures';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function fpga(...args: string[]): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertOneLineUserError(run: Run, pattern: RegExp): void {
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0] ?? '', pattern);
  assert.ok(!/\n\s+at /.test(run.stderr), 'no stack trace');
}

before(() => {
  assert.ok(existsSync(CLI), 'dist/cli.js is missing: run "npm run build" first');
});

describe('fpga package', () => {
  test('packages the MobileNet example twice into identical zips', () => {
    const dir = tempDir();
    const a = fpga('package', 'examples/mobilenet.pipeline.json', '-o', join(dir, 'a.zip'));
    const b = fpga('package', 'examples/mobilenet.pipeline.json', '-o', join(dir, 'b.zip'));
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const digest = sha256Hex(readFileSync(join(dir, 'a.zip')));
    assert.equal(sha256Hex(readFileSync(join(dir, 'b.zip'))), digest);
    assert.match(a.stdout, new RegExp(`packaged examples/mobilenet.pipeline.json → .*a.zip \\(2 entries, .*sha256 ${digest}\\)`));
  });

  test('writes model_def.zip beside the pipeline when no -o is given', () => {
    const dir = tempDir();
    const path = writeJson(join(dir, 'p.pipeline.json'), mobilenetPipeline());
    assert.equal(fpga('package', path).code, 0);
    assert.ok(existsSync(join(dir, 'model_def.zip')));
  });

  test('an unknown featurizer exits 1 with file:line:column and what is wrong', () => {
    const dir = tempDir();
    const pipeline = mobilenetPipeline();
    (pipeline.stages as Record<string, unknown>[])[1]!.model = 'resnet5O';
    const path = writeJson(join(dir, 'bad.pipeline.json'), pipeline);
    const run = fpga('package', path);
    assertOneLineUserError(run, /^fpga: .*bad\.pipeline\.json:\d+:\d+: unknown featurizer "resnet5O": did you mean "resnet50"\?/);
    assert.ok(!existsSync(join(dir, 'model_def.zip')), 'nothing written');
  });

  test('a missing pipeline file exits 1', () => {
    assertOneLineUserError(fpga('package', 'nowhere.pipeline.json'), /^fpga: pipeline file not found: nowhere\.pipeline\.json$/);
  });

  test('warnings are printed but do not fail packaging', () => {
    const dir = tempDir();
    const pipeline = JSON.parse(readFileSync(join(EXAMPLES, 'resnet50.pipeline.json'), 'utf8')) as Record<string, unknown>;
    (pipeline.stages as Record<string, unknown>[])[0]!.channelOrder = 'RGB';
    const run = fpga('package', writeJson(join(dir, 'w.pipeline.json'), pipeline));
    assert.equal(run.code, 0);
    assert.match(run.stderr, /w\.pipeline\.json:\d+:\d+: warning: resnet50 was trained on BGR input/);
  });
});

describe('fpga validate', () => {
  test('lists every problem, one per line, and exits 1', () => {
    const dir = tempDir();
    const pipeline = mobilenetPipeline();
    (pipeline.stages as Record<string, unknown>[])[1]!.model = 'vgg19';
    pipeline.topK = 0;
    const run = fpga('validate', writeJson(join(dir, 'v.pipeline.json'), pipeline));
    assert.equal(run.code, 1);
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /:\d+:\d+: unknown featurizer "vgg19"/);
    assert.match(lines[1] ?? '', /:\d+:\d+: topK must be >= 1/);
  });

  test('a valid pipeline exits 0; --json prints the problems', () => {
    assert.equal(fpga('validate', 'examples/resnet50.pipeline.json').code, 0);
    const run = fpga('validate', '--json', 'examples/resnet50.pipeline.json');
    assert.deepEqual(JSON.parse(run.stdout), []);
  });
});

describe('fpga inspect', () => {
  test('shows the stages and the verified files of a packaged zip', () => {
    const zip = join(tempDir(), 'm.zip');
    fpga('package', 'examples/resnet50.pipeline.json', '-o', zip);
    const run = fpga('inspect', zip);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /every checksum verified/);
    assert.match(run.stdout, /featurizer\s+brainwave\s+resnet50 v1 fp32 → \[1, 1, 2048\]/);
    assert.match(run.stdout, /service_def\.json/);

    const json = JSON.parse(fpga('inspect', '--json', zip).stdout) as { serviceDef: { name: string }; entries: { path: string; verified: boolean }[]; sha256: string };
    assert.equal(json.serviceDef.name, 'resnet50-imagenet');
    assert.deepEqual(json.entries.map((e) => [e.path, e.verified]), [['service_def.json', true]]);
    assert.equal(json.sha256, sha256Hex(readFileSync(zip)));
  });

  test('a zip holding ../evil exits 1 naming ../evil', async () => {
    const dir = tempDir();
    const good = join(dir, 'good.zip');
    fpga('package', 'examples/mobilenet.pipeline.json', '-o', good);
    const zip = await JSZip.loadAsync(readFileSync(good));
    zip.file('../evil', 'payload', { createFolders: false });
    const evil = join(dir, 'evil.zip');
    writeFileSync(evil, await zip.generateAsync({ type: 'nodebuffer' }));
    assertOneLineUserError(fpga('inspect', evil), /"\.\.\/evil"/);
  });

  test('a file that is not a zip exits 1', () => {
    assertOneLineUserError(fpga('inspect', 'examples/resnet50.pipeline.json'), /^fpga: .*zip/i);
  });

  test('a missing zip exits 1', () => {
    assertOneLineUserError(fpga('inspect', 'nowhere.zip'), /^fpga: cannot read nowhere\.zip: no such file$/);
  });
});

describe('usage', () => {
  test('bad usage exits 2', () => {
    assert.equal(fpga('frobnicate').code, 2);
    assert.equal(fpga('package').code, 2, 'missing argument');
    assert.equal(fpga('inspect', 'x.zip', '--nope').code, 2, 'unknown option');
  });

  test('--help and --version exit 0', () => {
    const help = fpga('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /package \[options\] <pipeline>/);
    assert.match(help.stdout, /inspect \[options\] <zip>/);
    const version = fpga('--version');
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  test('--verbose adds the stack to a user error', () => {
    const run = fpga('inspect', 'nowhere.zip', '--verbose');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /\n\s+at /);
  });
});
