/**
 * The Azure ML workspace through the Workspace interface, against the fake ARM (HTTPS, spec
 * shapes) and Azurite: paging, throttling, ARM errors, register (a real upload), deploy with
 * long-running operations, classify for real, keys, logs, delete, a failed deployment, and
 * cancellation. Needs dist/cli.js (`npm run build`): the fake's deployments run the model.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { createAzureProvider } from '../../src/workspaces/azure/azureProvider';
import type { AzureProvider } from '../../src/workspaces/azure/azureProvider';
import type { AzureWorkspace } from '../../src/workspaces/azure/azureWorkspace';
import { azureWorkspaceProvider } from '../../src/workspaces/azure/azureWorkspaceProvider';
import { WorkspaceProviders } from '../../src/workspaces/registry';
import { isWorkspaceError } from '../../src/workspaces/workspaceError';
import { AZURITE_ACCOUNT, AZURITE_KEY } from './helpers/fakeAzure/azurite';
import { DATASTORE_CONTAINER, FAKE_TENANT, MISSING_IMAGE_MARK, READ_ONLY_WORKSPACE, SUBSCRIPTION_ONE, workspaceId } from './helpers/fakeAzure/fakeArm';
import { startFakeAzure } from './helpers/fakeAzure/fakeAzure';
import type { FakeAzure } from './helpers/fakeAzure/fakeAzure';
import { HOTDOG_INDEX, MODEL_STORE, exampleZip, image } from './helpers/serviceHelpers';

const IMAGE = 'fpgamodels.azurecr.io/fpga-serve:0.2.0';

describe('Azure ML workspace (fake ARM over HTTPS, Azurite)', () => {
  let fake: FakeAzure;
  let provider: AzureProvider;
  let workspace: AzureWorkspace;
  let zip: Buffer;

  before(async () => {
    fake = await startFakeAzure({ modelStore: MODEL_STORE, pageSize: 2 });
    provider = createAzureProvider({
      credential: fake.credential,
      armEndpoint: fake.arm.url,
      tlsOptions: { ca: fake.certificate.cert },
      retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 },
      pollIntervalMs: 20,
    });
    workspace = await provider.openWorkspace(fake.workspaceId);
    zip = await exampleZip();
  });

  after(async () => {
    await fake.close();
  });

  test('subscriptions and workspaces are listed across pages (nextLink)', async () => {
    const subscriptions = await provider.listSubscriptions();
    assert.deepEqual(subscriptions.map((s) => s.name), ['Fake Subscription One', 'Fake Subscription Two'], 'the disabled one is left out');
    const workspaces = await provider.listWorkspaces();
    assert.equal(workspaces.length, 4);
    const main = workspaces.find((w) => w.id === fake.workspaceId);
    assert.deepEqual(main && { rg: main.resourceGroup, sub: main.subscriptionId, name: main.subscriptionName, location: main.location }, {
      rg: 'fpga-rg',
      sub: SUBSCRIPTION_ONE,
      name: 'Fake Subscription One',
      location: 'westeurope',
    });
    assert.ok(fake.arm.requests.some((r) => r.path.includes('/workspaces?') && r.path.includes('%24skipToken=2')), 'the second page was asked for');
    assert.equal(workspace.id, fake.workspaceId);
    assert.equal(workspace.kind, 'azure');
    assert.equal(workspace.label, 'fpga-ws');
    assert.deepEqual(await provider.listTenants(), [{ tenantId: FAKE_TENANT, name: 'Fake Directory' }]);
  });

  test('as a registry provider: workspaces grouped by subscription, found by id, the same object across listings', async () => {
    const providers = new WorkspaceProviders([azureWorkspaceProvider(provider)]);
    const entries = await providers.workspaces();
    const main = entries.find((entry) => entry.workspace.id === fake.workspaceId);
    assert.deepEqual(main && { group: main.group, description: main.description }, { group: 'Fake Subscription One', description: 'fpga-rg · westeurope' });
    assert.equal(await providers.byId(fake.workspaceId), main?.workspace, 'the same workspace object, so its cached keys are kept');
    await assert.rejects(providers.byId('local'), (error) => isWorkspaceError(error, 'not_found'));
  });

  test('429 with Retry-After is retried after the time it asks for, then succeeds', async () => {
    fake.arm.inject({ method: 'GET', path: /\/subscriptions$/, status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'TooManyRequests', message: 'Rate limit exceeded.' } } });
    fake.arm.inject({ method: 'GET', path: /\/workspaces$/, status: 503, body: { error: { code: 'ServiceUnavailable', message: 'Try later.' } } });
    const started = Date.now();
    const workspaces = await provider.listWorkspaces({ subscriptionId: SUBSCRIPTION_ONE });
    assert.equal(workspaces.length, 3);
    assert.ok(Date.now() - started >= 900, `waited ${Date.now() - started} ms`);
  });

  test('throttling that does not stop, and server errors, end as errors with the platform text', async () => {
    fake.arm.inject({ method: 'GET', path: /\/models$/, status: 429, times: 5, headers: { 'retry-after': '0' }, body: { error: { code: 'TooManyRequests', message: 'Rate limit exceeded.' } } });
    await assert.rejects(workspace.listModels(), (error) => isWorkspaceError(error, 'throttled') && /Rate limit exceeded/.test(error.message));
    fake.arm.inject({ method: 'GET', path: /\/models$/, status: 500, times: 5, body: { error: { code: 'InternalServerError', message: 'Something broke.' } } });
    await assert.rejects(workspace.listModels(), (error) => isWorkspaceError(error, 'unavailable') && /Something broke/.test(error.message));
  });

  test('401, 403, 404, 409 and 400 say what happened and what to do', async () => {
    await assert.rejects(provider.openWorkspace(workspaceId(SUBSCRIPTION_ONE, 'fpga-rg', 'nope')), (error) => isWorkspaceError(error, 'not_found') && /workspace nope/.test(error.message) && /was not found/.test(error.message));
    await assert.rejects(provider.openWorkspace('/subscriptions/x/nonsense'), (error) => isWorkspaceError(error, 'bad_request') && /not a workspace resource id/.test(error.message));
    const readOnly = await provider.openWorkspace(workspaceId(SUBSCRIPTION_ONE, 'fpga-rg', READ_ONLY_WORKSPACE));
    await assert.rejects(readOnly.deleteService('anything'), (error) => isWorkspaceError(error, 'unauthorized') && /onlineEndpoints\/delete/.test(error.message) && /Ask for a role/.test(error.message));
    await assert.rejects(workspace.getService('nosuch'), (error) => isWorkspaceError(error, 'not_found') && /endpoint nosuch in workspace fpga-ws/.test(error.message));
    fake.arm.inject({ method: 'GET', path: /\/onlineEndpoints$/, status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } } });
    await assert.rejects(workspace.listServices(), (error) => isWorkspaceError(error, 'unauthorized') && /Sign in again/.test(error.message) && !/Bearer/.test(error.message));
    fake.arm.inject({ method: 'PUT', path: /\/onlineEndpoints\/busy$/, status: 409, body: { error: { code: 'Conflict', message: 'Endpoint busy is being updated.' } } });
    const model = await workspace.registerModel(zip);
    await assert.rejects(workspace.deployService('busy', model.id, { image: IMAGE }), (error) => isWorkspaceError(error, 'conflict') && /being updated/.test(error.message));
    await assert.rejects(workspace.deployService('quota', model.id, { image: IMAGE, instanceType: 'Standard_NC6' }), (error) => isWorkspaceError(error, 'bad_request') && /Not enough quota available for Standard_NC6/.test(error.message));
    await assert.rejects(workspace.deployService('noimage', model.id), (error) => isWorkspaceError(error, 'bad_request') && /--image/.test(error.message));
    // As on Azure, the endpoint stays behind without a deployment, and lists as Failed with why.
    const quota = await workspace.getService('quota');
    assert.deepEqual([quota.state, quota.error], ['Failed', 'endpoint quota has no deployment: deploy a model to it with "fpga azure deploy"']);
    await workspace.deleteService('quota');
  });

  test('registering uploads to the datastore once; the same bytes give the same version', async () => {
    const first = await workspace.registerModel(zip);
    const again = await workspace.registerModel(zip);
    assert.equal(again.id, first.id);
    assert.equal(first.id, `${first.name}:1`);
    assert.equal(first.size, zip.length);
    assert.deepEqual(first.stages.map((s) => s.type), ['preprocess', 'brainwave', 'classifier']);
    const other = await workspace.registerModel(Buffer.from(zip), 'other-name');
    assert.equal(other.id, 'other-name:1');
    const blobs = new ContainerClient(`${fake.azurite.blobEndpoint}/${DATASTORE_CONTAINER}`, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
    const uploaded = await blobs.getBlockBlobClient(`fpga-models/${first.name}/${first.sha256}/model_def.zip`).downloadToBuffer();
    assert.ok(uploaded.equals(zip), 'Azurite holds the exact bytes');
    const models = await workspace.listModels();
    assert.deepEqual(models.map((m) => m.id).sort(), [first.id, other.id].sort());
    await workspace.deleteModel(other.id);
    assert.deepEqual((await workspace.listModels()).map((m) => m.id), [first.id]);
  });

  test('deploy polls to Healthy; classify, keys, logs and delete work on the endpoint', async () => {
    const model = await workspace.registerModel(zip);
    const progress: string[] = [];
    const service = await workspace.deployService('hotdog', model.id, { image: IMAGE, onProgress: (line) => progress.push(line) });
    assert.equal(service.state, 'Healthy', service.error ?? '');
    assert.equal(service.model, model.id);
    assert.match(service.scoring_uri, /^http:\/\/127\.0\.0\.1:\d+\/fpga-ws\/hotdog\/score$/);
    assert.ok(progress.some((line) => /creating endpoint hotdog/.test(line)) && progress.some((line) => /routing all traffic/.test(line)), progress.join('\n'));
    const deployment = fake.arm.bodies.get(`${fake.workspaceId}/onlineEndpoints/hotdog/deployments/fpga`) as { properties: { environmentVariables: Record<string, string>; environmentId: string } };
    assert.deepEqual(deployment.properties.environmentVariables, { FPGA_SERVICE_NAME: 'hotdog' });
    const environment = fake.arm.bodies.get(deployment.properties.environmentId) as { properties: { image: string; inferenceConfig: { scoringRoute: { path: string; port: number } } } };
    assert.equal(environment.properties.image, IMAGE);
    assert.deepEqual(environment.properties.inferenceConfig.scoringRoute, { path: '/v2/models/hotdog/infer', port: 5001 });
    assert.ok(fake.arm.requests.some((r) => r.path.includes('/mfeOperationsStatus/')), 'polled through Azure-AsyncOperation');

    const result = await workspace.classify('hotdog', image('hot_dog.jpg'), { top: 3 });
    assert.equal(result.predictions.length, 3);
    assert.equal(result.predictions[0]?.index, HOTDOG_INDEX);

    const before = await workspace.getKeys('hotdog');
    const after = await workspace.regenerateKey('hotdog', 'secondary');
    assert.equal(after.primary, before.primary);
    assert.notEqual(after.secondary, before.secondary);
    assert.ok(fake.arm.requests.some((r) => r.path.includes('/mfeOperationResults/')), 'polled through Location');
    // Regenerated elsewhere (the portal): the cached key fails once, is looked up again, and works.
    const keys = fake.arm.endpointKeys('hotdog')!;
    keys.primaryKey = 'rotated-in-the-portal';
    assert.equal((await workspace.classify('hotdog', image('hot_dog.jpg'))).predictions[0]?.index, HOTDOG_INDEX);

    const logs = await workspace.serviceLogs('hotdog', { tail: 2 });
    assert.equal(logs.trim().split('\n').length, 2);
    assert.match(logs, /POST \/v2\/models\/hotdog\/infer 200/);

    const listed = await workspace.listServices();
    assert.deepEqual(listed.map((s) => [s.name, s.state]), [['hotdog', 'Healthy']]);
    await workspace.deleteService('hotdog');
    await workspace.deleteModel(model.id);
    assert.deepEqual(await workspace.listServices(), []);
    await assert.rejects(workspace.getService('hotdog'), (error) => isWorkspaceError(error, 'not_found'));
  });

  test('a deployment that fails ends Failed with the platform\'s message', async () => {
    const model = await workspace.registerModel(zip);
    const service = await workspace.deployService('broken', model.id, { image: `fpgamodels.azurecr.io/${MISSING_IMAGE_MARK}:1` });
    assert.equal(service.state, 'Failed');
    assert.match(service.error ?? '', /deployment failed: Failed to pull the image .*manifest unknown/);
    await workspace.deleteService('broken');
  });

  test('cancelling stops polling with a cancelled error', async () => {
    const model = await workspace.registerModel(zip);
    const controller = new AbortController();
    const deploying = workspace.deployService('cancelme', model.id, { image: IMAGE, signal: controller.signal, onProgress: (line) => /in progress/.test(line) && controller.abort() });
    // The endpoint's creation was being polled when the signal fired.
    await assert.rejects(deploying, (error) => isWorkspaceError(error, 'cancelled') && /cancelled/.test(error.message));
    assert.ok(fake.arm.requests.some((r) => r.method === 'PUT' && r.path.includes('/onlineEndpoints/cancelme')));
  });
});
