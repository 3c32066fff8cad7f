/**
 * `fpga featurizers list|pull|import|verify` as a user runs them (dist/cli.js), against
 * temporary model stores built from the real MobileNet folders in ../shared/models.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { mobilenetV1Architecture } from '../../src/runtime/featurizers/mobilenetV1';
import { FEATURIZER_PARAMETERS } from '../../src/runtime/featurizers/storeStatus';
import { REPO_ROOT, tempDir } from './helpers/fixtures';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const SHARED_STORE = join(REPO_ROOT, '..', 'shared', 'models');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function fpga(...args: string[]): Run {
  const env = { ...process.env };
  delete env.FPGA_MODEL_STORE;
  delete env.FPGA_WEIGHTS_BASE_URL;
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8', env });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertOneLineUserError(run: Run, pattern: RegExp): void {
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0] ?? '', pattern);
}

/** labels + a link to the real MobileNet 0.25 folder, nothing else. */
function linkedStore(): string {
  const store = tempDir('fpga-store-');
  mkdirSync(join(store, 'labels'));
  cpSync(join(SHARED_STORE, 'labels', 'imagenet_1000.txt'), join(store, 'labels', 'imagenet_1000.txt'));
  symlinkSync(join(SHARED_STORE, 'mobilenet_v1_0.25_224'), join(store, 'mobilenet_v1_0.25_224'));
  return store;
}

interface ListEntry {
  name: string;
  version: string;
  params: number;
  feature_shape: number[];
  weights: string;
}

interface VerifyEntry {
  name: string;
  hash: string;
  hash_detail: string;
  load: string;
  ok: boolean;
}

before(() => {
  assert.ok(existsSync(CLI), 'dist/cli.js is missing: run "npm run build" first');
});

describe('parameter table', () => {
  test('equals countParams() of the MobileNets built in code (0.25 and 0.75)', () => {
    for (const width of [0.25, 0.75] as const) {
      const model = mobilenetV1Architecture(width);
      try {
        assert.equal(FEATURIZER_PARAMETERS[`mobilenet_v1_${width}`], model.countParams());
      } finally {
        model.dispose();
      }
    }
  });
});

describe('fpga featurizers list', () => {
  test('--json gives every catalog entry with params, feature shape and the weights state', () => {
    const run = fpga('featurizers', 'list', '--json', '--model-store', linkedStore());
    assert.equal(run.code, 0, run.stderr);
    const list = JSON.parse(run.stdout) as ListEntry[];
    assert.deepEqual(
      list.map((f) => [f.name, f.params, f.weights]),
      [
        ['resnet50', 25_636_712, 'synthetic'],
        ['resnet152', 60_419_944, 'synthetic'],
        ['densenet121', 8_062_504, 'synthetic'],
        ['vgg16', 138_357_544, 'synthetic'],
        ['mobilenet_v1_0.25', 475_544, 'present'],
        ['mobilenet_v1_0.5', 1_342_536, 'missing'],
        ['mobilenet_v1_0.75', 2_601_976, 'missing'],
        ['mobilenet_v1_1.0', 4_253_864, 'missing'],
      ],
    );
    for (const entry of list) assert.deepEqual(Object.keys(entry), ['name', 'version', 'params', 'feature_shape', 'weights']);
    assert.deepEqual(list.find((f) => f.name === 'vgg16')?.feature_shape, [7, 7, 512]);
    assert.equal(list[0]?.version, '1');
  });

  test('a store folder with real weights (model.json or the official .h5) counts as present', () => {
    const store = tempDir('fpga-store-');
    mkdirSync(join(store, 'densenet121'));
    writeFileSync(join(store, 'densenet121', 'densenet121_weights_tf_dim_ordering_tf_kernels.h5'), 'x');
    mkdirSync(join(store, 'vgg16'));
    writeFileSync(join(store, 'vgg16', 'model.json'), '{}');
    const run = fpga('featurizers', 'list', '--model-store', store);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^featurizer\s+version\s+params\s+features\s+weights\n/);
    assert.match(run.stdout, /\ndensenet121\s+1\s+8,062,504\s+\[1, 1, 1024\]\s+present\n/);
    assert.match(run.stdout, /\nvgg16\s+1\s+138,357,544\s+\[7, 7, 512\]\s+present\n/);
    assert.match(run.stdout, /\nresnet50\s+1\s+25,636,712\s+\[1, 1, 2048\]\s+synthetic\n/);
  });
});

describe('fpga featurizers import and verify', () => {
  test('imports a MobileNet folder, records SHA-256s, verifies, then catches a changed byte', () => {
    const store = tempDir('fpga-store-');
    const imported = fpga('featurizers', 'import', 'mobilenet_v1_0.25', join(SHARED_STORE, 'mobilenet_v1_0.25_224'), '--model-store', store);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^imported mobilenet_v1_0\.25 into .*mobilenet_v1_0\.25_224 \(56 files, 475,544 parameters loaded\)\n$/);
    assert.ok(existsSync(join(store, 'mobilenet_v1_0.25_224', 'weights.sha256')));
    assert.deepEqual(readdirSync(store), ['mobilenet_v1_0.25_224'], 'no staging folder left');

    const verified = fpga('featurizers', 'verify', '--json', '--model-store', store);
    assert.equal(verified.code, 0, verified.stderr);
    const results = JSON.parse(verified.stdout) as VerifyEntry[];
    assert.deepEqual(results.map((r) => [r.name, r.hash, r.load, r.ok]), [['mobilenet_v1_0.25', 'ok', 'ok', true]]);

    // One changed byte in a shard: the weights still load, only the hash can tell.
    const shard = join(store, 'mobilenet_v1_0.25_224', 'group3-shard1of1');
    const bytes = readFileSync(shard);
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    writeFileSync(shard, bytes);
    const json = fpga('featurizers', 'verify', 'mobilenet_v1_0.25', '--json', '--model-store', store);
    assert.equal(json.code, 1);
    const failed = JSON.parse(json.stdout) as VerifyEntry[];
    assert.equal(failed[0]?.ok, false);
    assert.equal(failed[0]?.hash, 'mismatch');
    assert.match(failed[0]?.hash_detail ?? '', /group3-shard1of1: expected SHA-256 [0-9a-f]{64}, got [0-9a-f]{64}/);
    const text = fpga('featurizers', 'verify', '--model-store', store);
    assertOneLineUserError(text, /^fpga: verify failed for mobilenet_v1_0\.25 \(.*group3-shard1of1: expected SHA-256/);
    assert.match(text.stdout, /mobilenet_v1_0\.25\s+FAILED/);
  });

  test('another width is refused by the load check and nothing is imported', () => {
    const store = tempDir('fpga-store-');
    const run = fpga('featurizers', 'import', 'mobilenet_v1_0.75', join(SHARED_STORE, 'mobilenet_v1_0.25_224'), '--model-store', store);
    assertOneLineUserError(run, /^fpga: .*mobilenet_v1_0\.25_224 does not fit MobileNet v1 0\.75, nothing was imported: .*475,544 parameters, mobilenet_v1_0\.75 has 2,601,976/);
    assert.deepEqual(readdirSync(store), []);
  });

  test('a file that is not HDF5 is refused for a Keras featurizer', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'weights.h5'), 'not hdf5');
    assertOneLineUserError(fpga('featurizers', 'import', 'resnet50', join(dir, 'weights.h5'), '--model-store', dir), /^fpga: .*weights\.h5 is not an HDF5 file .*resnet50_weights_tf_dim_ordering_tf_kernels\.h5/);
  });

  test('verify without weights: nothing to check is fine, a named featurizer without files fails', () => {
    const store = tempDir('fpga-store-');
    const none = fpga('featurizers', 'verify', '--model-store', store);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^no featurizer weights in /);
    assertOneLineUserError(fpga('featurizers', 'verify', 'resnet50', '--model-store', store), /^fpga: verify failed for resnet50 \(no weights in .*resnet50\)$/);
  });

  test('verify checks the real MobileNet of a linked store (no recorded hashes: load check only)', () => {
    const run = fpga('featurizers', 'verify', '--json', '--model-store', linkedStore());
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((JSON.parse(run.stdout) as VerifyEntry[]).map((r) => [r.name, r.hash, r.load, r.ok]), [['mobilenet_v1_0.25', 'unrecorded', 'ok', true]]);
  });
});

describe('fpga featurizers pull', () => {
  test('offline: exit 1, one line naming the file to place where', () => {
    const store = tempDir('fpga-store-');
    const run = fpga('featurizers', 'pull', 'densenet121', '--from', 'http://127.0.0.1:9', '--model-store', store);
    assertOneLineUserError(run, /^fpga: cannot download densenet121 weights \(offline\? .*\): place densenet121_weights_tf_dim_ordering_tf_kernels\.h5 from https:\/\/\S+ in .*densenet121\//);
  });

  test('--json reports what was pulled and what failed, exit 1 when any failed', () => {
    const run = fpga('featurizers', 'pull', 'mobilenet_v1_1.0', '--json', '--model-store', tempDir());
    assert.equal(run.code, 1);
    const reply = JSON.parse(run.stdout) as { pulled: unknown[]; failed: { name: string; error: string }[] };
    assert.deepEqual(reply.pulled, []);
    assert.equal(reply.failed[0]?.name, 'mobilenet_v1_1.0');
    assert.match(reply.failed[0]?.error ?? '', /no single weight file to pull/);
  });

  test('an unknown featurizer exits 1; a missing name is bad usage (2)', () => {
    assertOneLineUserError(fpga('featurizers', 'pull', 'resnet5O'), /^fpga: unknown featurizer "resnet5O": did you mean "resnet50"\? The catalog has resnet50, /);
    assertOneLineUserError(fpga('featurizers', 'pull', 'inception'), /^fpga: unknown featurizer "inception": the catalog has resnet50, /);
    assert.equal(fpga('featurizers', 'pull').code, 2);
  });
});
