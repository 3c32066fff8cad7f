/**
 * `fpga serve --model` as its own process (dist/cli.js), the way the container image runs it
 * behind an Azure Machine Learning endpoint: the model laid out as Azure ML mounts it, the
 * OIP v2 routes without keys, readiness that follows the model's load, clear refusals of a
 * model folder with no zip or several, and a clean stop on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { locateModelZip } from '../../src/service/modelZipLocator';
import { REPO_ROOT } from './helpers/fixtures';
import { spawnWatched } from './helpers/watchedProcess';
import type { WatchedProcess } from './helpers/watchedProcess';
import { MODEL_STORE, binaryBody, bytesElements, call, errorOf, exampleZip, image, json, splitBinaryReply } from './helpers/serviceHelpers';
import type { Reply } from './helpers/serviceHelpers';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const READY_TIMEOUT_MS = 60_000;

type ServerProcess = WatchedProcess;

const children: ChildProcess[] = [];
const folders: string[] = [];

function scratch(): string {
  const dir = mkdtempSync('/tmp/serve-');
  folders.push(dir);
  return dir;
}

function run(args: string[], env: Record<string, string> = {}): ServerProcess {
  return start(process.execPath, [CLI, 'serve', ...args], env);
}

function start(command: string, args: string[], env: Record<string, string>): ServerProcess {
  return spawnWatched(command, args, { cwd: REPO_ROOT, env: { ...process.env, FPGA_MODEL_STORE: MODEL_STORE, FPGA_SERVICE_NAME: '', ...env } }, children);
}

/** Waits for a stdout line matching `pattern`; fails with stderr if the process exits first. */
async function lineMatching(server: ServerProcess, pattern: RegExp, timeoutMs = READY_TIMEOUT_MS): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of server.stdout) {
      const match = pattern.exec(line);
      if (match) return match;
    }
    const early = await Promise.race([server.exited, sleep(20).then(() => undefined)]);
    if (early) throw new Error(`fpga serve exited (${early.code ?? early.signal}) before printing ${pattern}: ${server.stderr()}`);
    if (Date.now() > deadline) throw new Error(`fpga serve printed no ${pattern}: ${server.stdout.join('\n')}\n${server.stderr()}`);
  }
}

async function waitForStderr(server: ServerProcess, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!pattern.test(server.stderr())) {
    if (Date.now() > deadline) throw new Error(`stderr never matched ${pattern}: ${server.stderr()}`);
    await sleep(20);
  }
}

/** `<root>/azureml-models/<model>/<version>/<subfolder>/model_def.zip`, as Azure ML mounts a registered model folder. */
async function azureModelDir(root: string, version = '3'): Promise<string> {
  const versionDir = join(root, 'azureml-models', 'mobilenet', version);
  mkdirSync(join(versionDir, 'model'), { recursive: true });
  writeFileSync(join(versionDir, 'model', 'model_def.zip'), await exampleZip());
  return versionDir;
}

function assertError(reply: Reply, status: number, pattern: RegExp): void {
  assert.equal(reply.status, status, reply.text);
  assert.match(errorOf(reply), pattern);
  assert.doesNotMatch(reply.text, /\n\s+at /, 'no stack trace');
}

interface InferReply {
  model_name: string;
  model_version: string;
  outputs: { name: string; datatype: string; shape: number[]; data: (number | string)[] }[];
}

/** The JSON part of an infer answer, whether or not it came in the binary form. */
function inferJson(reply: Reply): InferReply {
  if (reply.headers.get('inference-header-content-length') === null) return json<InferReply>(reply);
  return splitBinaryReply(reply).header as unknown as InferReply;
}

async function stopWithSigterm(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  const stopped = await server.exited;
  assert.equal(stopped.code, 0, server.stderr());
  assert.match(server.stderr(), /server stopped/);
}

before(() => {
  if (!existsSync(CLI)) {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
  }
});

after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('fpga serve --model (child process)', () => {
  test('serves the one model of an Azure ML model folder over OIP v2, without keys, until SIGTERM', async () => {
    const root = scratch();
    const modelDir = await azureModelDir(root);
    const server = run(['--model', modelDir, '--port', '0', '--name', 'svc']);
    const url = (await lineMatching(server, /^listening on (http:\/\/127\.0\.0\.1:\d+)$/))[1] as string;
    assert.equal(server.stdout[0], `listening on ${url}`);
    assert.match(server.stdout[1] ?? '', /^engine auto \(onnxruntime 1\.\d+\.\d+, \d+ threads?;/);

    // Live as soon as it listens; ready (server and model) only once the model is loaded.
    assert.equal((await call(`${url}/v2/health/live`)).status, 200);
    const early = await call(`${url}/v2/health/ready`);
    if (early.status === 503) {
      assert.equal(early.headers.get('retry-after'), '1');
      assert.match(json<{ error: string }>(early).error, /loading/);
    }
    await lineMatching(server, /^model svc ready$/);
    assert.equal(server.stdout[2], 'model svc ready');
    assert.deepEqual(json(await call(`${url}/v2/health/ready`)), { ready: true });
    assert.deepEqual(json(await call(`${url}/v2/models/svc/ready`)), { name: 'svc', ready: true });
    assert.equal((await call(`${url}/v2/models/svc/versions/3/ready`)).status, 200, 'the version comes from the Azure ML folder');
    assert.deepEqual(json<{ name: string }>(await call(`${url}/v2`)).name, 'fpga-model-services');
    const metadata = json<{ name: string; versions: string[]; outputs: { shape: number[] }[] }>(await call(`${url}/v2/models/svc`));
    assert.equal(metadata.name, 'svc');
    assert.deepEqual(metadata.versions, ['3']);
    assert.deepEqual(metadata.outputs[0]?.shape, [-1, 1000]);

    // No Authorization header anywhere: the endpoint in front authenticates.
    const parrot = image('parrot.jpg');
    const body = JSON.stringify({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [parrot.toString('base64')] }], parameters: { classification: 5 } });
    const answer = await call(`${url}/v2/models/svc/infer`, { body });
    assert.equal(answer.status, 200, answer.text);
    const top5 = inferJson(answer).outputs[0];
    assert.equal(top5?.datatype, 'BYTES');
    assert.deepEqual(top5?.shape, [1, 5]);
    assert.equal(top5?.data.length, 5);
    assert.match(String(top5?.data[0]), /^0\.\d+:88:macaw$/);
    for (const entry of top5?.data ?? []) assert.match(String(entry), /^\d(\.\d+)?(e-\d+)?:\d+:.+$/);

    // The binary form of the same request, under the /versions/<v> path.
    const binary = binaryBody(
      { inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: bytesElements([parrot]).length } }], parameters: { classification: 5 } },
      [bytesElements([parrot])],
    );
    const binaryAnswer = await call(`${url}/v2/models/svc/versions/3/infer`, {
      body: binary.body,
      headers: { 'inference-header-content-length': String(binary.headerLength), 'content-type': 'application/octet-stream' },
    });
    assert.equal(binaryAnswer.status, 200, binaryAnswer.text);
    assert.deepEqual(inferJson(binaryAnswer).outputs[0]?.data, top5?.data);
    const classified = await call(`${url}/v2/models/svc/classify?top=1`, { body: image('hot_dog.jpg') });
    assert.equal(json<{ predictions: { index: number }[] }>(classified).predictions[0]?.index, 934);

    // Bad requests are answered and the server keeps serving.
    assertError(await call(`${url}/v2/models/svc/infer`, { body: '{"inputs": [' }), 400, /JSON/);
    assertError(await call(`${url}/v2/models/svc/infer`, { body: JSON.stringify({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: ['bm90IGFuIGltYWdl'] }] }) }), 400, /image/);
    assertError(await call(`${url}/v2/models/other/infer`, { body }), 404, /"other"/);
    assertError(await call(`${url}/v2/models/svc/versions/9/ready`), 404, /version 3/);
    assertError(await call(`${url}/admin/services`), 404, /no such endpoint/);
    assert.equal((await call(`${url}/v2/models/svc/infer`, { body })).status, 200, 'still serving');

    await stopWithSigterm(server);
    assert.deepEqual(readdirSync(root), ['azureml-models'], 'no state written beside the model');
  });

  test('a model that fails to load: live, not ready with the error, one line on stderr; the name from FPGA_SERVICE_NAME', async () => {
    const root = scratch();
    const modelDir = await azureModelDir(root);
    const emptyStore = join(root, 'empty-store');
    mkdirSync(emptyStore);
    const server = run(['--model', modelDir, '--port', '0', '--model-store', emptyStore], { FPGA_SERVICE_NAME: 'from-env' });
    const url = (await lineMatching(server, /^listening on (http:\/\/127\.0\.0\.1:\d+)$/))[1] as string;
    await waitForStderr(server, /^model from-env failed to load: .+$/m);
    const failure = server.stderr().split('\n').filter((line) => line.startsWith('model from-env failed to load:'));
    assert.equal(failure.length, 1, server.stderr());
    assert.doesNotMatch(server.stderr(), /\n\s+at /, 'no stack trace');
    assert.equal((await call(`${url}/v2/health/live`)).status, 200);
    const ready = await call(`${url}/v2/health/ready`);
    assert.equal(ready.status, 503);
    assert.match(json<{ error: string }>(ready).error, /Failed: .*empty-store/);
    assert.equal((await call(`${url}/v2/models/from-env/ready`)).status, 503);
    assertError(await call(`${url}/v2/models/from-env/infer`, { body: '{}' }), 503, /Failed/);
    assert.equal(server.child.exitCode, null, 'a failed load does not stop the process');
    await stopWithSigterm(server);
  });

  test('a folder with no zip, or with two, is refused with what it holds, before listening', async () => {
    const empty = join(scratch(), 'models');
    mkdirSync(join(empty, 'model'), { recursive: true });
    writeFileSync(join(empty, 'model', 'README.txt'), 'no model here\n');
    const none = run(['--model', empty, '--port', '0']);
    assert.equal((await none.exited).code, 1);
    assert.equal(none.stdout.length, 0);
    assert.equal(none.stderr().trim(), `fpga: no model zip in ${empty}: it holds model/README.txt; package the pipeline (fpga package) and put its model_def.zip there, or pass --model <file>`);

    const two = join(scratch(), 'models');
    mkdirSync(join(two, 'b'), { recursive: true });
    const zip = await exampleZip();
    writeFileSync(join(two, 'a.zip'), zip);
    writeFileSync(join(two, 'b', 'model_def.zip'), zip);
    const several = run(['--model', two, '--port', '0']);
    assert.equal((await several.exited).code, 1);
    assert.match(several.stderr().trim(), new RegExp(`^fpga: 2 zips in ${two}: a\\.zip, b/model_def\\.zip; this mode serves one model: pass the one to serve with --model <file>$`));
  });

  test('refuses what this mode cannot honour: a network address without --allow-remote, --state, a bad name, an empty --model', async () => {
    const zipPath = join(scratch(), 'model_def.zip');
    writeFileSync(zipPath, await exampleZip());
    const cases: [string[], RegExp][] = [
      [['--model', zipPath, '--host', '0.0.0.0'], /^fpga: --host 0\.0\.0\.0 would let anyone on the network call the model: .* add --allow-remote/],
      [['--model', zipPath, '--state', scratch()], /^fpga: --state belongs to the local host/],
      [['--model', zipPath, '--name', 'no spaces'], /^fpga: "no spaces" \(from --name\) cannot name the model in its URL/],
      [['--model', ''], /^fpga: --model is empty: .*AZUREML_MODEL_DIR/],
      [['--model', join(zipPath, 'missing')], /^fpga: cannot read the model .*: /],
      [['--name', 'svc'], /^fpga: --name names the model that --model serves/],
    ];
    for (const [args, pattern] of cases) {
      const refused = run([...args, '--port', '0']);
      assert.equal((await refused.exited).code, 1, args.join(' '));
      assert.match(refused.stderr().trim(), pattern);
      assert.doesNotMatch(refused.stderr(), /\n\s+at /, 'no stack trace');
    }
  });

  test("the Dockerfile's CMD as the image's shell runs it: 0.0.0.0, --allow-remote, the model from AZUREML_MODEL_DIR", async () => {
    const modelDir = await azureModelDir(scratch(), '7');
    const cmd = /^CMD (exec node dist\/cli\.js serve .+)$/m.exec(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'))?.[1];
    assert.ok(cmd, 'the Dockerfile has a shell-form CMD that execs node dist/cli.js serve');
    assert.match(cmd, /--model "\$AZUREML_MODEL_DIR" --host 0\.0\.0\.0 --allow-remote --port "\$FPGA_PORT"$/);
    // The image's WORKDIR holds dist/ as the repository root does; port 0 instead of the image's 5001.
    const server = start('/bin/sh', ['-c', cmd], { AZUREML_MODEL_DIR: modelDir, FPGA_PORT: '0', FPGA_SERVICE_NAME: 'classifier' });
    const port = (await lineMatching(server, /^listening on http:\/\/0\.0\.0\.0:(\d+)$/))[1] as string;
    await lineMatching(server, /^model classifier ready$/);
    // Any Host name: the endpoint in front forwards under its own.
    const ready = await call(`http://127.0.0.1:${port}/v2/models/classifier/versions/7/ready`, { headers: { host: 'my-endpoint.westeurope.inference.ml.azure.com' } });
    assert.equal(ready.status, 200, ready.text);
    await stopWithSigterm(server);
  });
});

describe('locateModelZip', () => {
  test('a zip given directly, and the version of the folder Azure ML mounts it in', async () => {
    const root = scratch();
    const modelDir = await azureModelDir(root, '12');
    const direct = await locateModelZip(join(modelDir, 'model', 'model_def.zip'));
    assert.deepEqual(direct, { zip: join(modelDir, 'model', 'model_def.zip'), version: undefined });
    assert.deepEqual(await locateModelZip(modelDir), { zip: join(modelDir, 'model', 'model_def.zip'), version: 12 });
    assert.equal((await locateModelZip(join(root, 'azureml-models'))).version, undefined);
  });
});
