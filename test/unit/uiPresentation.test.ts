/** The Workspaces tree's text, order, icons and contextValues (src/ui/tree/presentation.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  anySettling,
  isSettling,
  modelDescription,
  modelLabel,
  modelTooltip,
  orderForPick,
  serviceContextValue,
  serviceCount,
  serviceDescription,
  serviceIcon,
  serviceTooltip,
  sortModels,
  sortServices,
  withPending,
} from '../../src/ui/tree/presentation';
import type { ModelInfo, ServiceInfo, ServiceState } from '../../src/workspaces/workspace';

function model(name: string, version: number, extra: Partial<ModelInfo> = {}): ModelInfo {
  return {
    id: `${name}:${version}`,
    name,
    version,
    sha256: 'ab'.repeat(32),
    size: 2048,
    created: '2026-01-02T03:04:05.000Z',
    stages: [
      { name: 'preprocess', type: 'preprocess' },
      { name: 'featurizer', type: 'brainwave', model_ref: 'mobilenet_v1_0.75' },
      { name: 'classifier', type: 'tensorflow' },
    ],
    ...extra,
  };
}

function service(name: string, state: ServiceState, extra: Partial<ServiceInfo> = {}): ServiceInfo {
  return {
    name,
    model: 'mobilenet-imagenet:1',
    state,
    scoring_uri: `http://127.0.0.1:5000/v2/models/${name}/infer`,
    error: null,
    created: '2026-01-02T03:04:05.000Z',
    backend: 'wasm',
    precision: 'fp32',
    synthetic: false,
    input_shape: [224, 224, 3],
    classes: 1000,
    max_batch_size: 8,
    max_delay_ms: 2,
    ...extra,
  };
}

void describe('tree presentation', () => {
  void it('sorts services by name and models by name, newest version first', () => {
    assert.deepEqual(
      sortServices([service('zeta', 'Healthy'), service('alpha', 'Failed'), service('mid', 'Healthy')]).map((s) => s.name),
      ['alpha', 'mid', 'zeta'],
    );
    assert.deepEqual(
      sortModels([model('b', 1), model('a', 1), model('b', 3), model('a', 2)]).map(modelLabel),
      ['a:2', 'a:1', 'b:3', 'b:1'],
    );
  });

  void it('does not reorder the array it is given', () => {
    const services = [service('b', 'Healthy'), service('a', 'Healthy')];
    sortServices(services);
    assert.deepEqual(services.map((s) => s.name), ['b', 'a']);
  });

  void it('gives each state the contextValue the manifest menus match', () => {
    const expected: Record<ServiceState, string> = {
      Healthy: 'service.healthy',
      Transitioning: 'service.transitioning',
      Failed: 'service.failed',
      Deleting: 'service.deleting',
    };
    for (const [state, value] of Object.entries(expected) as [ServiceState, string][]) {
      assert.equal(serviceContextValue(state), value);
      assert.match(serviceContextValue(state), /^service/);
    }
  });

  void it('gives each state its icon and colour', () => {
    assert.deepEqual(serviceIcon({ state: 'Transitioning', synthetic: null }), { id: 'sync~spin' });
    assert.deepEqual(serviceIcon({ state: 'Healthy', synthetic: false }), { id: 'pass', color: 'charts.green' });
    assert.deepEqual(serviceIcon({ state: 'Failed', synthetic: true }), { id: 'error', color: 'charts.red' });
    assert.deepEqual(serviceIcon({ state: 'Deleting', synthetic: false }), { id: 'trash' });
    // Generated weights never wear the green check of a real service.
    assert.deepEqual(serviceIcon({ state: 'Healthy', synthetic: true }), { id: 'circle-large-outline', color: 'charts.yellow' });
  });

  void it('keeps polling only while a service is Transitioning or Deleting', () => {
    assert.ok(isSettling('Transitioning') && isSettling('Deleting'));
    assert.ok(!isSettling('Healthy') && !isSettling('Failed'));
    assert.ok(anySettling([service('a', 'Healthy'), service('b', 'Deleting')]));
    assert.ok(!anySettling([service('a', 'Healthy'), service('b', 'Failed')]));
    assert.ok(!anySettling([]));
  });

  void it('labels a model name:version with size and date, and lists its stages in the tooltip', () => {
    const m = model('mobilenet-imagenet', 2);
    assert.equal(modelLabel(m), 'mobilenet-imagenet:2');
    assert.match(modelDescription(m), /^2\.0 KB · \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    const tooltip = modelTooltip(m);
    assert.match(tooltip, /1\. preprocess \(preprocess\)/);
    assert.match(tooltip, /2\. featurizer \(brainwave\) — mobilenet_v1_0\.75/);
    assert.match(tooltip, /3\. classifier \(tensorflow\)/);
    assert.match(tooltip, new RegExp(m.sha256 ?? 'a SHA-256'));
  });

  void it('describes a service by model and scoring URI; the tooltip has backend, precision, weights and the last error', () => {
    const failed = service('cats', 'Failed', { error: 'the model store has no mobilenet_v1_0.75', synthetic: true });
    assert.equal(serviceDescription(failed), `mobilenet-imagenet:1 · generated weights · Failed · ${failed.scoring_uri}`);
    assert.equal(serviceDescription(service('cats', 'Healthy')), `mobilenet-imagenet:1 · real weights · ${failed.scoring_uri}`);
    const tooltip = serviceTooltip(failed);
    assert.match(tooltip, /Service cats: Failed/);
    assert.match(tooltip, /Backend: wasm/);
    assert.match(tooltip, /Precision: fp32/);
    assert.match(tooltip, /Weights: generated/);
    assert.match(tooltip, /Last error: the model store has no mobilenet_v1_0\.75/);
    // Everything a client needs: the key header, the body, and where to copy a ready request.
    assert.match(tooltip, /Authorization: Bearer <primary or secondary key>/);
    assert.match(tooltip, /input "image", BYTES/);
    assert.match(tooltip, /Copy Sample Request/);
  });

  void it('shows a hostile error as text: no command link, no control characters', () => {
    const error = 'labels [click here](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D) missing\x1b[2J';
    const tooltip = serviceTooltip(service('evil', 'Failed', { error }));
    assert.match(tooltip, /Last error: labels \[click here\] \(command:workbench/);
    assert.doesNotMatch(tooltip, /\]\(/);
    assert.match(tooltip, /missing\\x1b\[2J$/m);
  });

  void it('names each stage\'s engine and precision, with its note, when the host reports them', () => {
    const engines = {
      featurizer: { engine: 'onnxruntime' as const, precision: 'int8' as const, note: 'uint8 activations × int8 weights per channel, calibrated on generated images' },
      classifier: { engine: 'onnxruntime' as const, precision: 'fp32' as const },
    };
    const tooltip = serviceTooltip(service('fast', 'Healthy', { backend: 'onnxruntime', precision: 'int8', engines }));
    assert.match(tooltip, /^Stage featurizer: onnxruntime int8 \(uint8 activations × int8 weights per channel, calibrated on generated images\)$/m);
    assert.match(tooltip, /^Stage classifier: onnxruntime fp32$/m);
    assert.doesNotMatch(tooltip, /^Backend:/m);
  });

  void it('leaves out what a service that never loaded does not know', () => {
    const tooltip = serviceTooltip(service('new', 'Transitioning', { backend: null, precision: null, synthetic: null }));
    assert.doesNotMatch(tooltip, /Backend|Precision|Weights|Last error/);
  });

  void it('passes its text through the given translation function', () => {
    const shout = (message: string, ...args: Array<string | number | boolean>): string =>
      message.toUpperCase().replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]));
    assert.match(serviceTooltip(service('x1y', 'Healthy'), shout), /^SERVICE x1y: Healthy/);
    assert.equal(serviceCount(1), '1 service');
    assert.equal(serviceCount(3), '3 services');
    assert.equal(serviceCount(0), '0 services');
  });

  void it('offers real-weights services first in the service pick, the last used first within its group', () => {
    const services = [service('zebra', 'Healthy'), service('fake', 'Healthy', { synthetic: true }), service('alpha', 'Healthy')];
    assert.deepEqual(orderForPick(services, 'fake').map((s) => s.name), ['alpha', 'zebra', 'fake']);
    assert.deepEqual(orderForPick(services, 'zebra').map((s) => s.name), ['zebra', 'alpha', 'fake']);
  });

  void it("shows this window's deploys and deletes before the host lists them so", () => {
    const { services, deploying } = withPending([service('cats', 'Healthy'), service('dogs', 'Healthy')], new Map([['dogs', 'Deleting'], ['new', 'Transitioning'], ['cats', 'Transitioning']] as const));
    assert.deepEqual(services.map((s) => `${s.name} ${s.state}`), ['cats Healthy', 'dogs Deleting']);
    assert.deepEqual(deploying, ['new']);
  });
});
