/**
 * The `fpga` bin npm links: it exists and is executable before any build (so `npx fpga` works
 * right after `npm ci`, and after any rebuild), runs the bundled CLI, builds it first in a
 * checkout that has none, and says what to do where it cannot.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, tempDir } from './helpers/fixtures';

const BIN = join(REPO_ROOT, 'bin', 'fpga.mjs');

test('package.json names bin/fpga.mjs, an executable file under version control', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string };
  assert.deepEqual(manifest.bin, { fpga: 'bin/fpga.mjs' });
  assert.ok((statSync(BIN).mode & 0o111) !== 0, 'bin/fpga.mjs is executable');
  const tracked = spawnSync('git', ['ls-files', '-s', 'bin/fpga.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (tracked.status === 0 && tracked.stdout !== '') assert.match(tracked.stdout, /^100755 /, 'git keeps its execute bit');
});

test('it runs the bundled command line', () => {
  const run = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), version);
});

test('with neither a build nor the build script it says what to run, in one line, and exits 1', () => {
  const checkout = tempDir('fpga-unbuilt-');
  mkdirSync(join(checkout, 'bin'));
  copyFileSync(BIN, join(checkout, 'bin', 'fpga.mjs'));
  const run = spawnSync(process.execPath, [join(checkout, 'bin', 'fpga.mjs'), 'services'], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^fpga: the command line is not built and could not be built here: run "npm ci && npm run build" in .*fpga-unbuilt-[^/]*\/\n$/);
});

test('in a checkout that was never built it builds the command line first, then runs it, and again after a rebuild', () => {
  const checkout = tempDir('fpga-fresh-');
  mkdirSync(join(checkout, 'bin'));
  copyFileSync(BIN, join(checkout, 'bin', 'fpga.mjs'));
  // What a fresh clone has after `npm ci`: sources, scripts and node_modules, no dist/.
  for (const entry of ['package.json', 'src', 'webview', 'scripts', 'node_modules']) symlinkSync(join(REPO_ROOT, entry), join(checkout, entry));
  const run = spawnSync(process.execPath, [join(checkout, 'bin', 'fpga.mjs'), '--version'], { cwd: checkout, encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /^fpga: building the command line first \(npm run build\)…\n$/);
  assert.equal(run.stdout.trim(), (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  assert.ok(existsSync(join(checkout, 'dist', 'cli.js')));
  // A rebuild writes dist/cli.js anew (without an execute bit); the bin runs it all the same, without building again.
  const rebuild = spawnSync(process.execPath, [join(checkout, 'scripts', 'build.mjs')], { cwd: checkout, encoding: 'utf8', timeout: 120_000 });
  assert.equal(rebuild.status, 0, rebuild.stderr);
  const again = spawnSync(join(checkout, 'bin', 'fpga.mjs'), ['featurizers', 'list', '--json'], { cwd: checkout, encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stderr, '');
  assert.ok((JSON.parse(again.stdout) as unknown[]).length > 0);
});
