/**
 * The `fpga` CLI and a host in its own process, attacked from outside: two deploys racing
 * to start a host on a cold folder, a model whose labels carry terminal escape sequences,
 * and readers that close their end of the pipe.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { mobilenetPipeline, REPO_ROOT, tempDir, writeJson } from './helpers/fixtures';
import { Admin, IMAGES_DIR, MODEL_STORE, call, exampleZip, manyEntryBomb } from './helpers/serviceHelpers';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const children: ChildProcess[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function fpga(args: string[], options: { closeStdout?: boolean } = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, FPGA_MODEL_STORE: MODEL_STORE }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  // The reader that goes away before the output comes (`| head` after its lines).
  if (options.closeStdout) child.stdout.destroy();
  else child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** The MobileNet example with its own labels file, every label opening with escape sequences. */
function hostilePipeline(dir: string): string {
  const hostile = '\x1b[2J\x1b]52;c;aGVsbG8=\x07\x1b]8;;https://attacker.example\x07';
  const labels = readFileSync(join(MODEL_STORE, 'labels', 'imagenet_1000.txt'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((label) => `${hostile}${label}`);
  writeFileSync(join(dir, 'hostile-labels.txt'), labels.join('\n') + '\n');
  const pipeline = mobilenetPipeline();
  pipeline.name = 'hostile';
  pipeline.labels = 'hostile-labels.txt';
  return writeJson(join(dir, 'hostile.pipeline.json'), pipeline);
}

before(() => assert.ok(existsSync(CLI), 'dist/cli.js is missing: run "npm run build" first'));

after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('fpga under attack (child processes)', () => {
  const state = tempDir('fpga-cli-hardening-');

  after(async () => {
    await fpga(['stop', '--state', state]);
  });

  test('two deploys on a cold state folder both succeed, on one host', async () => {
    const dir = tempDir('fpga-hostile-');
    const [cats, hostile] = await Promise.all([
      fpga(['deploy', 'examples/mobilenet.pipeline.json', '--name', 'cats', '--state', state]),
      fpga(['deploy', hostilePipeline(dir), '--name', 'hostile', '--state', state]),
    ]);
    assert.equal(cats.code, 0, cats.stderr);
    assert.equal(hostile.code, 0, hostile.stderr);
    assert.match(cats.stdout, /service cats: Healthy/);
    assert.match(hostile.stdout, /service hostile: Healthy/);
    const services = await fpga(['services', '--json', '--state', state]);
    assert.deepEqual((JSON.parse(services.stdout) as { name: string }[]).map((s) => s.name).sort(), ['cats', 'hostile']);
  });

  test('labels carrying escape sequences are printed escaped, never raw', async () => {
    copyFileSync(join(IMAGES_DIR, 'cat.bmp'), join(tempDir('fpga-image-'), 'cat.bmp'));
    const run = await fpga(['classify', join(IMAGES_DIR, 'cat.bmp'), '--service', 'hostile', '--state', state]);
    assert.equal(run.code, 0, run.stderr);
    // eslint-disable-next-line no-control-regex -- no control character but the line breaks may reach the terminal
    assert.doesNotMatch(run.stdout, /[\x00-\x09\x0b-\x1f\x7f]/);
    assert.match(run.stdout, /\\x1b\[2J\\x1b\]52;c;aGVsbG8=\\x07\\x1b\]8;;https:\/\/attacker\.example\\x07Egyptian cat/);
  });

  test('fpga inspect refuses a many-entry zip bomb at once, in one line', async () => {
    const zip = join(tempDir('fpga-bomb-'), 'bomb.zip');
    writeFileSync(zip, manyEntryBomb(1000));
    const started = performance.now();
    const run = await fpga(['inspect', zip]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^fpga: .*bomb\.zip: the entries declare 1048576000 bytes uncompressed from \d+ compressed, a ratio over the limit of 200:1 for the archive \(a zip bomb\?\)\n$/);
    assert.ok(performance.now() - started < 5000, 'no inflating (the process start included)');
  });

  test('a closed stdout ends a printing command quietly, with no stack', async () => {
    const zip = join(tempDir('fpga-inspect-'), 'model_def.zip');
    writeFileSync(zip, await exampleZip());
    const run = await fpga(['inspect', zip], { closeStdout: true });
    assert.equal(run.code, 0);
    assert.equal(run.stderr, '');
  });
});

describe('fpga serve with its output pipes closed', () => {
  test('keeps serving and finishes a deployment when its log has no reader', async () => {
    const state = tempDir('fpga-epipe-');
    const child = spawn(process.execPath, [CLI, 'serve', '--state', state, '--verbose'], { env: { ...process.env, FPGA_MODEL_STORE: MODEL_STORE }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let exited = false;
    child.once('exit', () => (exited = true));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = /listening on (\S+)\n/.exec(out);
        if (match) resolve(match[1] as string);
      });
      child.once('exit', () => reject(new Error('fpga serve exited at start')));
    });
    // `fpga serve 2>&1 | head -n 1`: the reader leaves after the first line.
    child.stdout.destroy();
    child.stderr.destroy();
    const host = JSON.parse(readFileSync(join(state, 'host.json'), 'utf8')) as { adminToken: string };
    const admin = new Admin(url, host.adminToken);
    const model = await admin.registerModel(await exampleZip());
    await admin.deploy('cats', model.id);
    assert.equal((await admin.settled('cats')).state, 'Healthy');
    await sleep(200);
    assert.equal(exited, false, 'the host is still running');
    assert.equal((await call(`${url}/v2/health/live`)).status, 200);
    const state1 = JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')) as { services: { name: string }[] };
    assert.deepEqual(state1.services.map((s) => s.name), ['cats']);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  });
});
