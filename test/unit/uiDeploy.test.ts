/** The Deploy command's decisions (src/ui/deploy/deployLogic.ts) against a fake Workspace. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serviceNameProblem } from '../../src/common/serviceName';
import { defaultServiceName, modelToDeploy, serviceNameInputProblem, suggestServiceName, waitUntilSettled } from '../../src/ui/deploy/deployLogic';
import type { Classification, ModelInfo, ServiceInfo, ServiceKeys, ServiceState, Workspace } from '../../src/workspaces/workspace';

function modelInfo(name: string, version = 1): ModelInfo {
  return { id: `${name}:${version}`, name, version, sha256: '00'.repeat(32), size: 10, created: '2026-01-01T00:00:00Z', stages: [] };
}

function serviceInfo(name: string, state: ServiceState, error: string | null = null): ServiceInfo {
  return {
    name,
    model: 'm:1',
    state,
    scoring_uri: `http://127.0.0.1:1/v2/models/${name}/infer`,
    error,
    created: '2026-01-01T00:00:00Z',
    backend: null,
    precision: null,
    synthetic: null,
    input_shape: null,
    classes: null,
    max_batch_size: 1,
    max_delay_ms: 0,
  };
}

/** A workspace whose services go through a scripted list of states, one per getService call. */
class FakeWorkspace implements Workspace {
  readonly id = 'fake';
  readonly kind = 'local';
  readonly label = 'Fake';
  readonly registered: Uint8Array[] = [];
  getServiceCalls = 0;

  constructor(private readonly states: ServiceInfo[] = []) {}

  listModels(): Promise<ModelInfo[]> {
    return Promise.resolve([]);
  }
  registerModel(zip: Uint8Array): Promise<ModelInfo> {
    this.registered.push(zip);
    return Promise.resolve(modelInfo('registered'));
  }
  deleteModel(): Promise<void> {
    return Promise.resolve();
  }
  listServices(): Promise<ServiceInfo[]> {
    return Promise.resolve([]);
  }
  getService(name: string): Promise<ServiceInfo> {
    const next = this.states[Math.min(this.getServiceCalls, this.states.length - 1)];
    this.getServiceCalls++;
    return next ? Promise.resolve(next) : Promise.reject(new Error(`no service named "${name}"`));
  }
  deployService(name: string): Promise<ServiceInfo> {
    return Promise.resolve(serviceInfo(name, 'Transitioning'));
  }
  deleteService(): Promise<void> {
    return Promise.resolve();
  }
  getKeys(): Promise<ServiceKeys> {
    return Promise.resolve({ primary: 'p', secondary: 's' });
  }
  regenerateKey(): Promise<ServiceKeys> {
    return this.getKeys();
  }
  classify(): Promise<Classification> {
    return Promise.reject(new Error('not used'));
  }
  serviceLogs(): Promise<string> {
    return Promise.reject(new Error('not used'));
  }
}

void describe('deploy: service names', () => {
  void it('suggests a valid name from a pipeline name', () => {
    for (const [base, expected] of [
      ['mobilenet-imagenet', 'mobilenet-imagenet'],
      ['MobileNet_v1 0.75', 'mobilenet-v1-0-75'],
      ['ResNet50.ImageNet', 'resnet50-imagenet'],
      ['42-answers', 'answers'],
      ['x', 'service-x'],
      ['', 'service'],
      ['a'.repeat(60), 'a'.repeat(32)],
    ] as const) {
      const name = suggestServiceName(base);
      assert.equal(name, expected, base);
      assert.equal(serviceNameProblem(name), undefined, name);
    }
  });

  void it('makes the suggestion unique among existing services', () => {
    assert.equal(suggestServiceName('cats', ['cats']), 'cats-2');
    assert.equal(suggestServiceName('cats', ['cats', 'cats-2', 'cats-3']), 'cats-4');
    const long = suggestServiceName('b'.repeat(40), ['b'.repeat(32)]);
    assert.equal(long, `${'b'.repeat(30)}-2`);
    assert.equal(serviceNameProblem(long), undefined);
    assert.equal(defaultServiceName('MobileNet-ImageNet', [serviceInfo('mobilenet-imagenet', 'Healthy')]), 'mobilenet-imagenet-2');
  });

  void it('checks a typed name live: rules, then uniqueness', () => {
    assert.equal(serviceNameInputProblem('cats', []), undefined);
    assert.match(serviceNameInputProblem('', []) ?? '', /Type a name/);
    assert.match(serviceNameInputProblem('Cats', []) ?? '', /lowercase/);
    assert.match(serviceNameInputProblem('ab', []) ?? '', /3–32/);
    assert.match(serviceNameInputProblem('cats-', []) ?? '', /ending with a letter or digit/);
    assert.match(serviceNameInputProblem('cats', ['dogs', 'cats']) ?? '', /"cats" already exists/);
  });
});

void describe('deploy: steps against a workspace', () => {
  void it('registers zip bytes, and uses a registered model as it is', async () => {
    const workspace = new FakeWorkspace();
    const zip = new Uint8Array([1, 2, 3]);
    assert.equal((await modelToDeploy(workspace, { kind: 'zip', zip, displayName: 'model_def.zip', pipelineName: 'mobilenet-imagenet' })).id, 'registered:1');
    assert.deepEqual(workspace.registered, [zip]);
    const existing = modelInfo('existing', 4);
    assert.equal(await modelToDeploy(workspace, { kind: 'model', model: existing }), existing);
    assert.equal(workspace.registered.length, 1);
  });

  void it('waits until the service is Healthy, reporting each state', async () => {
    const workspace = new FakeWorkspace([serviceInfo('s1x', 'Transitioning'), serviceInfo('s1x', 'Transitioning'), serviceInfo('s1x', 'Healthy')]);
    const seen: ServiceState[] = [];
    const settled = await waitUntilSettled(workspace, 's1x', { intervalMs: 1, onState: (s) => seen.push(s.state) });
    assert.equal(settled.state, 'Healthy');
    assert.deepEqual(seen, ['Transitioning', 'Transitioning', 'Healthy']);
  });

  void it('returns a Failed service with its error text', async () => {
    const workspace = new FakeWorkspace([serviceInfo('s1x', 'Transitioning'), serviceInfo('s1x', 'Failed', 'no weights for mobilenet_v1_0.75')]);
    const settled = await waitUntilSettled(workspace, 's1x', { intervalMs: 1 });
    assert.equal(settled.state, 'Failed');
    assert.equal(settled.error, 'no weights for mobilenet_v1_0.75');
  });

  void it('stops waiting (not the deployment) when cancelled', async () => {
    const workspace = new FakeWorkspace([serviceInfo('s1x', 'Transitioning')]);
    const stop = new AbortController();
    const waiting = waitUntilSettled(workspace, 's1x', { intervalMs: 5, signal: stop.signal });
    setTimeout(() => stop.abort(), 30);
    await assert.rejects(waiting, (error: Error) => error.name === 'AbortError');
    const calls = workspace.getServiceCalls;
    assert.ok(calls >= 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(workspace.getServiceCalls, calls, 'no polling after cancel');
  });

  void it('passes a workspace error through', async () => {
    await assert.rejects(waitUntilSettled(new FakeWorkspace([]), 'gone', { intervalMs: 1 }), /no service named "gone"/);
  });
});
