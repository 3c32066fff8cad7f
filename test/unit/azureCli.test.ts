/**
 * `fpga azure …` as a person runs it: child processes of dist/cli.js that sign in with a
 * client secret (@azure/identity, msal) against the fake authority with --authority-host,
 * talk to the fake ARM with --arm-endpoint, and trust its certificate via NODE_EXTRA_CA_CERTS.
 * Needs `npm run build` first.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MISSING_IMAGE_MARK } from './helpers/fakeAzure/fakeArm';
import { writePhotoDataset } from './helpers/trainingDataset';
import { startFakeAzure } from './helpers/fakeAzure/fakeAzure';
import type { FakeAzure } from './helpers/fakeAzure/fakeAzure';
import { EXAMPLES, REPO_ROOT } from './helpers/fixtures';
import { HOTDOG_INDEX, IMAGES_DIR, MODEL_STORE } from './helpers/serviceHelpers';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const IMAGE = 'fpgamodels.azurecr.io/fpga-serve:0.2.0';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('fpga azure (CLI against the fake ARM and authority)', () => {
  let fake: FakeAzure;
  let cloud: string[];

  before(async () => {
    fake = await startFakeAzure({ modelStore: MODEL_STORE });
    cloud = ['--arm-endpoint', fake.arm.url, '--authority-host', fake.arm.authorityHost];
  });

  after(async () => {
    await fake.close();
  });

  /** Asynchronous, so that the fake (in this process) can answer while the child runs. */
  function fpga(args: string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...fake.environment(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  function json<T>(run: Run): T {
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as T;
  }

  test('workspaces signs in with the service principal and lists every page', async () => {
    const workspaces = json<{ id: string; name: string; resourceGroup: string; subscriptionId: string; location: string }[]>(await fpga(['azure', 'workspaces', '--json', ...cloud]));
    assert.equal(workspaces.length, 4);
    assert.deepEqual(workspaces.find((w) => w.id === fake.workspaceId), {
      id: fake.workspaceId,
      name: 'fpga-ws',
      resourceGroup: 'fpga-rg',
      subscriptionId: '00000000-0000-0000-0000-000000000001',
      location: 'westeurope',
    });
  });

  test('fpga workspaces lists every provider through the registry: Azure signed in, Local says why it has none', async () => {
    const state = mkdtempSync(join(tmpdir(), 'fpga-workspaces-'));
    try {
      const run = await fpga(['workspaces', '--azure', '--json', '--state', state, ...cloud]);
      const rows = json<{ id: string; kind: string; label: string; group: string | null }[]>(run);
      assert.deepEqual(
        rows.find((row) => row.id === fake.workspaceId),
        { id: fake.workspaceId, kind: 'azure', label: 'fpga-ws', group: 'Fake Subscription One', description: 'fpga-rg · westeurope' },
      );
      assert.ok(rows.every((row) => row.kind === 'azure'), 'no local host runs for an empty state folder');
      assert.match(run.stderr, /^note: Local \(this machine\): no local service host is running for /m);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  test('a wrong secret is one line that names the reason and never the secret', async () => {
    const run = await fpga(['azure', 'workspaces', ...cloud], { AZURE_CLIENT_SECRET: 'not-the-secret-4711' });
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^fpga: cannot sign in to Azure .*AADSTS7000215.*Sign in again/);
    assert.doesNotMatch(run.stderr + run.stdout, /not-the-secret-4711|fake-arm-token/);
  });

  test('without a workspace the commands say how to pick one; use saves it with the cloud', async () => {
    const none = await fpga(['azure', 'models', ...cloud]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no Azure workspace given: pass --workspace <resource id>, or set a default with "fpga azure use/);
    const missing = await fpga(['azure', 'use', fake.workspaceId.replace('fpga-ws', 'nope'), ...cloud]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /workspace nope .*was not found/);
    const saved = json<{ workspace: string }>(await fpga(['azure', 'use', fake.workspaceId, '--json', ...cloud]));
    assert.equal(saved.workspace, fake.workspaceId);
    const settings = JSON.parse(readFileSync(fake.environment().FPGA_AZURE_CONFIG!, 'utf8')) as Record<string, string>;
    assert.deepEqual(settings, { workspace: fake.workspaceId, armEndpoint: fake.arm.url, authorityHost: fake.arm.authorityHost });
    // The cloud comes from the saved settings now.
    assert.deepEqual(json<unknown[]>(await fpga(['azure', 'models', '--json'])), []);
  });

  test('deploy a pipeline, classify, keys, logs, services and delete with --model', async () => {
    const deployed = json<{ name: string; state: string; scoringUri: string; model: string }>(
      await fpga(['azure', 'deploy', join(EXAMPLES, 'mobilenet.pipeline.json'), '--name', 'cli-hotdog', '--image', IMAGE, '--json']),
    );
    assert.equal(deployed.state, 'Healthy');
    assert.equal(deployed.name, 'cli-hotdog');
    assert.match(deployed.scoringUri, /\/cli-hotdog\/score$/);
    const models = json<{ id: string; name: string; version: number }[]>(await fpga(['azure', 'models', '--json']));
    assert.deepEqual(models.map((m) => m.id), [deployed.model]);

    const classified = json<{ image: string; predictions: { index: number }[] }[]>(await fpga(['azure', 'classify', join(IMAGES_DIR, 'hot_dog.jpg'), '--service', 'cli-hotdog', '--json']));
    assert.equal(classified[0]?.predictions[0]?.index, HOTDOG_INDEX);
    const text = await fpga(['azure', 'classify', join(IMAGES_DIR, 'hot_dog.jpg'), '--service', 'cli-hotdog', '--top', '2']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /hot_dog\.jpg\n#\s+confidence\s+index\s+label\n1\s+[\d.]+%\s+934 /);

    // Evaluating the endpoint on a folder whose classes are ImageNet labels: its counts add up.
    const dataset = await writePhotoDataset(mkdtempSync(join(tmpdir(), 'fpga-azure-eval-')), { 'Egyptian cat': ['cat.bmp'], 'hotdog, hot dog, red hot': ['hot_dog.jpg'] });
    try {
      const evaluation = json<{ images: number; per_class: { images: number }[]; confusion: number[][] }>(
        await fpga(['evaluate', '--service', 'cli-hotdog', '--workspace', fake.workspaceId, dataset, '--json']),
      );
      assert.equal(evaluation.images, 12);
      assert.equal(evaluation.per_class.reduce((sum, c) => sum + c.images, 0), 12);
      assert.equal(evaluation.confusion.flat().reduce((sum, n) => sum + n, 0), 12);
    } finally {
      rmSync(dataset, { recursive: true, force: true });
    }

    const keys = json<{ primary: string; secondary: string }>(await fpga(['azure', 'keys', 'cli-hotdog', '--json']));
    const regenerated = json<{ primary: string; secondary: string }>(await fpga(['azure', 'keys', 'cli-hotdog', '--regenerate', 'primary', '--json']));
    assert.notEqual(regenerated.primary, keys.primary);
    assert.equal(regenerated.secondary, keys.secondary);

    const logs = await fpga(['azure', 'logs', 'cli-hotdog', '--tail', '1']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout.trim().split('\n').length, 1);
    assert.match(logs.stdout, /infer 200/);

    const services = json<{ name: string; state: string; scoringUri: string }[]>(await fpga(['azure', 'services', '--json']));
    assert.deepEqual(services.map((s) => [s.name, s.state, s.scoringUri]), [['cli-hotdog', 'Healthy', deployed.scoringUri]]);

    const deleted = json<{ deleted: string; model: string }>(await fpga(['azure', 'delete', 'cli-hotdog', '--model', '--json']));
    assert.deepEqual(deleted, { deleted: 'cli-hotdog', model: deployed.model });
    assert.deepEqual(json<unknown[]>(await fpga(['azure', 'services', '--json'])), []);
    assert.deepEqual(json<unknown[]>(await fpga(['azure', 'models', '--json'])), []);
  });

  test('a deployment that fails prints Failed with the platform\'s message and exits 1', async () => {
    const zip = join(EXAMPLES, 'mobilenet.pipeline.json');
    const run = await fpga(['azure', 'deploy', zip, '--name', 'cli-broken', '--image', `fpgamodels.azurecr.io/${MISSING_IMAGE_MARK}:1`, '--json']);
    assert.equal(run.code, 1);
    const printed = JSON.parse(run.stdout) as { state: string; error: string };
    assert.equal(printed.state, 'Failed');
    assert.match(run.stderr, /fpga: endpoint cli-broken failed to deploy: deployment failed: Failed to pull the image .*manifest unknown/);
    assert.equal((await fpga(['azure', 'delete', 'cli-broken'])).code, 0);
  });

  test('bad usage and unknown endpoints are one-line errors', async () => {
    const badKey = await fpga(['azure', 'keys', 'x', '--regenerate', 'tertiary']);
    assert.equal(badKey.code, 2);
    const badName = await fpga(['azure', 'deploy', join(EXAMPLES, 'mobilenet.pipeline.json'), '--name', 'Bad_Name', '--image', IMAGE]);
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /service name "Bad_Name" is not allowed/);
    const unknown = await fpga(['azure', 'logs', 'nosuch']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^fpga: endpoint nosuch in workspace fpga-ws was not found/);
    const plainHttp = await fpga(['azure', 'workspaces', '--arm-endpoint', fake.arm.url.replace('https', 'http')]);
    assert.match(plainHttp.stderr, /must use https/);
  });
});
