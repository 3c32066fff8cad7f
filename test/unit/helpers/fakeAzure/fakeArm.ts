/**
 * A fake Azure Resource Manager and Microsoft Entra authority on one HTTPS server on
 * 127.0.0.1, answering with the request and response shapes of the Azure REST API
 * specifications (Microsoft.MachineLearningServices stable 2025-09-01, subscriptions
 * 2022-12-01): paged lists with `nextLink`, long-running operations through
 * `Azure-AsyncOperation` (creates) and `Location` (deletes, key regeneration) with
 * `Retry-After`, ARM error bodies, and faults a test injects (429 with Retry-After, 5xx, …).
 *
 * Its default datastore points at Azurite, so registering really uploads; a deployment that
 * provisions downloads the zip back from Azurite and serves it for real (see
 * inferenceBackend.ts) behind a plain-HTTP scoring front that checks the endpoint's keys.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AZURITE_ACCOUNT, AZURITE_KEY } from './azurite';
import type { InferenceBackend, RunningModel } from './inferenceBackend';
import type { TlsCertificate } from './tlsCertificate';

export const FAKE_TENANT = 'fake-tenant';
export const FAKE_CLIENT_ID = 'fake-client';
export const FAKE_CLIENT_SECRET = 'fake-client-secret';
export const SUBSCRIPTION_ONE = '00000000-0000-0000-0000-000000000001';
export const SUBSCRIPTION_TWO = '00000000-0000-0000-0000-000000000002';
export const RESOURCE_GROUP = 'fpga-rg';
export const WORKSPACE = 'fpga-ws';
/** A workspace where the signed-in principal may read but not write. */
export const READ_ONLY_WORKSPACE = 'fpga-readonly';
export const LOCATION = 'westeurope';
export const DATASTORE_CONTAINER = 'azureml-blobstore-fake';
/** Deployments of images whose name contains this fail the way an image pull failure does. */
export const MISSING_IMAGE_MARK = 'missing';
/** Instance types the fake subscription has quota for. */
const QUOTA = new Set(['Standard_DS3_v2', 'Standard_F4s_v2']);
const ML = 'providers/Microsoft.MachineLearningServices';

export function workspaceId(subscription = SUBSCRIPTION_ONE, group = RESOURCE_GROUP, name = WORKSPACE): string {
  return `/subscriptions/${subscription}/resourceGroups/${group}/${ML}/workspaces/${name}`;
}

export interface FakeArmOptions {
  certificate: TlsCertificate;
  /** Azurite's host:port. */
  azuriteHost: string;
  backend: InferenceBackend;
  /** Items per page of every list. */
  pageSize?: number;
  /** Polls a long-running operation answers "in progress" before it may finish. */
  pollsUntilDone?: number;
  /** `Retry-After` of long-running operations' responses, in seconds. */
  retryAfterSeconds?: number;
}

export interface Fault {
  method?: string;
  path: RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests get it (default 1). */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

interface Operation {
  pollsLeft: number;
  work: Promise<void>;
  outcome?: { error?: { code: string; message: string } };
}

interface Endpoint {
  resource: { id: string; name: string; type: string; location: string; identity: unknown; tags: Record<string, string>; properties: Record<string, unknown>; systemData: unknown };
  keys: { primaryKey: string; secondaryKey: string };
  deployments: Map<string, Deployment>;
}

interface Deployment {
  resource: { id: string; name: string; type: string; location: string; sku: unknown; properties: Record<string, unknown>; systemData: unknown };
  running?: RunningModel;
  log: string[];
}

interface WorkspaceData {
  id: string;
  name: string;
  subscriptionId: string;
  models: Map<string, Map<string, Record<string, unknown>>>;
  environments: Map<string, Record<string, unknown>>;
  endpoints: Map<string, Endpoint>;
}

class ArmFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class FakeArm {
  /** Every ARM request answered, for tests that check what was sent. */
  readonly requests: RecordedRequest[] = [];
  /** Request bodies of PUT and POST, by path. */
  readonly bodies = new Map<string, unknown>();
  private readonly faults: Fault[] = [];
  private readonly tokens = new Set<string>();
  private readonly operations = new Map<string, Operation>();
  private readonly workspaces = new Map<string, WorkspaceData>();
  private readonly server: Server;
  private readonly scoringFront: Server;
  private readonly pageSize: number;
  private readonly pollsUntilDone: number;
  private readonly retryAfter: string;

  constructor(private readonly options: FakeArmOptions) {
    this.pageSize = options.pageSize ?? 2;
    this.pollsUntilDone = options.pollsUntilDone ?? 1;
    this.retryAfter = String(options.retryAfterSeconds ?? 0);
    for (const [subscription, name] of [
      [SUBSCRIPTION_ONE, WORKSPACE],
      [SUBSCRIPTION_ONE, READ_ONLY_WORKSPACE],
      [SUBSCRIPTION_ONE, 'fpga-ws-3'],
      [SUBSCRIPTION_TWO, 'other-ws'],
    ] as const) {
      const id = workspaceId(subscription, RESOURCE_GROUP, name);
      this.workspaces.set(id.toLowerCase(), { id, name, subscriptionId: subscription, models: new Map(), environments: new Map(), endpoints: new Map() });
    }
    this.server = createHttpsServer({ cert: options.certificate.cert, key: options.certificate.key }, (req, res) => void this.handle(req, res));
    this.scoringFront = createHttpServer((req, res) => void this.score(req, res));
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get authorityHost(): string {
    return this.url;
  }

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => this.scoringFront.listen(0, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.scoringFront.closeAllConnections();
    await Promise.all([new Promise((resolve) => this.server.close(resolve)), new Promise((resolve) => this.scoringFront.close(resolve))]);
  }

  /** The next `times` requests matching get this answer instead. */
  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Forgets every token issued, as if they expired or were revoked. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** The keys of an endpoint, as the portal would show them. */
  endpointKeys(name: string, workspace = workspaceId()): { primaryKey: string; secondaryKey: string } | undefined {
    return this.workspaces.get(workspace.toLowerCase())?.endpoints.get(name)?.keys;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    let status = 500;
    try {
      const fault = this.takeFault(req.method ?? 'GET', url.pathname);
      if (fault) {
        status = fault.status;
        return send(res, fault.status, fault.body ?? {}, fault.headers);
      }
      if (url.pathname.startsWith(`/${FAKE_TENANT}/`)) {
        status = this.authority(url, body, res);
        return;
      }
      this.authorize(req);
      if (!url.searchParams.get('api-version')) throw new ArmFailure(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
      const reply = await this.route(req.method ?? 'GET', url, body ? (JSON.parse(body) as Record<string, unknown>) : undefined);
      if (body) this.bodies.set(url.pathname, JSON.parse(body));
      status = reply.status;
      send(res, reply.status, reply.body, reply.headers);
    } catch (error) {
      const failure = error instanceof ArmFailure ? error : new ArmFailure(500, 'InternalServerError', String(error));
      status = failure.status;
      send(res, failure.status, { error: { code: failure.code, message: failure.message } });
    } finally {
      this.requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, status });
    }
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex((f) => (f.method === undefined || f.method === method) && f.path.test(path));
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  /** OpenID configuration and the client-credentials token endpoint, as Entra ID answers them. */
  private authority(url: URL, body: string, res: ServerResponse): number {
    const base = `${this.url}/${FAKE_TENANT}`;
    if (url.pathname === `/${FAKE_TENANT}/v2.0/.well-known/openid-configuration`) {
      send(res, 200, {
        issuer: `${base}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'token'],
        tenant_region_scope: null,
      });
      return 200;
    }
    if (url.pathname === `/${FAKE_TENANT}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(body);
      if (form.get('client_id') !== FAKE_CLIENT_ID || form.get('client_secret') !== FAKE_CLIENT_SECRET) {
        send(res, 401, {
          error: 'invalid_client',
          error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${form.get('client_id') ?? ''}'.`,
          error_codes: [7000215],
        });
        return 401;
      }
      const token = `fake-arm-token-${randomBytes(16).toString('hex')}`;
      this.tokens.add(token);
      send(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
      return 200;
    }
    send(res, 404, { error: 'not_found', error_description: `no ${url.pathname} on the fake authority` });
    return 404;
  }

  private authorize(req: IncomingMessage): void {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) throw new ArmFailure(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    if (!this.tokens.has(token)) throw new ArmFailure(401, 'ExpiredAuthenticationToken', 'The access token expiry UTC time is earlier than current UTC time.');
  }

  private async route(method: string, url: URL, body: Record<string, unknown> | undefined): Promise<Reply> {
    const path = url.pathname;
    if (method === 'GET' && path === '/subscriptions') {
      return this.page(url, [
        { id: `/subscriptions/${SUBSCRIPTION_ONE}`, subscriptionId: SUBSCRIPTION_ONE, tenantId: FAKE_TENANT, displayName: 'Fake Subscription One', state: 'Enabled' },
        { id: `/subscriptions/${SUBSCRIPTION_TWO}`, subscriptionId: SUBSCRIPTION_TWO, tenantId: FAKE_TENANT, displayName: 'Fake Subscription Two', state: 'Enabled' },
        { id: '/subscriptions/00000000-0000-0000-0000-000000000009', subscriptionId: '00000000-0000-0000-0000-000000000009', tenantId: FAKE_TENANT, displayName: 'Disabled', state: 'Disabled' },
      ]);
    }
    if (method === 'GET' && path === '/tenants') {
      return this.page(url, [{ id: `/tenants/${FAKE_TENANT}`, tenantId: FAKE_TENANT, displayName: 'Fake Directory', defaultDomain: 'fake.onmicrosoft.com' }]);
    }
    const operation = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/locations\/[^/]+\/(mfeOperationsStatus|mfeOperationResults)\/([^/]+)$/.exec(path);
    if (operation && method === 'GET') return this.pollOperation(operation[1]!, operation[2]!);
    const listWorkspaces = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces$/.exec(path);
    if (listWorkspaces && method === 'GET') {
      return this.page(url, [...this.workspaces.values()].filter((w) => w.subscriptionId === listWorkspaces[1]).map((w) => workspaceResource(w)));
    }
    const scoped = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+)(\/.*)?$/i.exec(path);
    if (!scoped) throw new ArmFailure(404, 'NotFound', `The fake ARM has no route for ${method} ${path}.`);
    const workspace = this.workspaces.get(decodeURIComponent(scoped[1]!).toLowerCase());
    if (!workspace) {
      const name = scoped[1]!.split('/').pop();
      throw new ArmFailure(404, 'ResourceNotFound', `The Resource 'Microsoft.MachineLearningServices/workspaces/${name}' under resource group '${RESOURCE_GROUP}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    }
    const rest = scoped[2] ?? '';
    if (workspace.name === READ_ONLY_WORKSPACE && method !== 'GET') {
      const action = `Microsoft.MachineLearningServices/workspaces/${rest.split('/').filter((_, i) => i % 2 === 1).join('/')}/${method === 'DELETE' ? 'delete' : method === 'POST' ? 'action' : 'write'}`;
      throw new ArmFailure(403, 'AuthorizationFailed', `The client '${FAKE_CLIENT_ID}' with object id '${randomUUID()}' does not have authorization to perform action '${action}' over scope '${path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
    }
    return this.workspaceRoute(workspace, method, rest, url, body);
  }

  private workspaceRoute(ws: WorkspaceData, method: string, rest: string, url: URL, body: Record<string, unknown> | undefined): Reply {
    const segments = rest.split('/').filter(Boolean).map(decodeURIComponent);
    const [collection, name, sub, subName, action] = segments;
    if (!collection && method === 'GET') return { status: 200, body: workspaceResource(ws) };
    if (collection === 'datastores') return this.datastores(ws, method, name, sub, url);
    if (collection === 'models') return this.models(ws, method, url, name, sub, subName, body);
    if (collection === 'environments' && sub === 'versions' && name && subName && method === 'PUT') {
      const resource = { id: `${ws.id}${rest}`, name: subName, type: 'Microsoft.MachineLearningServices/workspaces/environments/versions', properties: body?.properties ?? {}, systemData: systemData() };
      const existed = ws.environments.has(`${name}:${subName}`);
      ws.environments.set(`${name}:${subName}`, resource);
      return { status: existed ? 200 : 201, body: resource };
    }
    if (collection === 'onlineEndpoints') return this.endpoints(ws, method, url, name, sub, subName, action, body);
    throw new ArmFailure(404, 'NotFound', `The fake ARM has no route for ${method} ${rest}.`);
  }

  private datastores(ws: WorkspaceData, method: string, name: string | undefined, action: string | undefined, url: URL): Reply {
    const datastore = {
      id: `${ws.id}/datastores/workspaceblobstore`,
      name: 'workspaceblobstore',
      type: 'Microsoft.MachineLearningServices/workspaces/datastores',
      properties: {
        datastoreType: 'AzureBlob',
        accountName: AZURITE_ACCOUNT,
        containerName: DATASTORE_CONTAINER,
        endpoint: this.options.azuriteHost,
        protocol: 'http',
        credentials: { credentialsType: 'AccountKey' },
        isDefault: true,
      },
      systemData: systemData(),
    };
    if (!name && method === 'GET') return this.page(url, url.searchParams.get('isDefault') === 'true' ? [datastore] : [datastore]);
    if (name === 'workspaceblobstore' && action === 'listSecrets' && method === 'POST') return { status: 200, body: { secretsType: 'AccountKey', key: AZURITE_KEY } };
    throw new ArmFailure(404, 'UserError', `Datastore ${name ?? ''} was not found in workspace ${ws.name}.`);
  }

  private models(ws: WorkspaceData, method: string, url: URL, name?: string, sub?: string, version?: string, body?: Record<string, unknown>): Reply {
    if (!name && method === 'GET') {
      return this.page(url, [...ws.models.keys()].map((model) => ({ id: `${ws.id}/models/${model}`, name: model, type: 'Microsoft.MachineLearningServices/workspaces/models', properties: {}, systemData: systemData() })));
    }
    const versions = name ? ws.models.get(name) : undefined;
    if (name && !sub && method === 'DELETE') {
      if (!versions) throw new ArmFailure(404, 'UserError', `Model container ${name} was not found.`);
      ws.models.delete(name);
      return { status: 200, body: {} };
    }
    if (name && sub === 'versions' && !version && method === 'GET') {
      if (!versions) throw new ArmFailure(404, 'UserError', `Model container ${name} was not found.`);
      return this.page(url, [...versions.values()]);
    }
    if (name && sub === 'versions' && version) {
      if (method === 'GET' || method === 'DELETE') {
        const found = versions?.get(version);
        if (!found) throw new ArmFailure(404, 'UserError', `Model ${name}:${version} was not found in workspace ${ws.name}.`);
        if (method === 'DELETE') versions!.delete(version);
        return { status: 200, body: method === 'GET' ? found : {} };
      }
      if (method === 'PUT') {
        if (versions?.has(version)) throw new ArmFailure(409, 'UserError', `Model ${name}:${version} already exists and versions are immutable: use another version.`);
        const properties = (body?.properties ?? {}) as Record<string, unknown>;
        if (typeof properties.modelUri !== 'string') throw new ArmFailure(400, 'UserError', 'The field modelUri is required.');
        const resource = { id: `${ws.id}/models/${name}/versions/${version}`, name: version, type: 'Microsoft.MachineLearningServices/workspaces/models/versions', properties: { ...properties, provisioningState: 'Succeeded' }, systemData: systemData() };
        ws.models.set(name, (versions ?? new Map<string, Record<string, unknown>>()).set(version, resource));
        return { status: 201, body: resource };
      }
    }
    throw new ArmFailure(404, 'NotFound', `The fake ARM has no route for ${method} models/${name ?? ''}.`);
  }

  private endpoints(ws: WorkspaceData, method: string, url: URL, name?: string, sub?: string, deploymentName?: string, action?: string, body?: Record<string, unknown>): Reply {
    if (!name && method === 'GET') return this.page(url, [...ws.endpoints.values()].map((e) => e.resource));
    if (!name) throw new ArmFailure(404, 'NotFound', 'no such route');
    const endpoint = ws.endpoints.get(name);
    const missing = (): ArmFailure => new ArmFailure(404, 'UserError', `Could not find endpoint ${name} in workspace ${ws.name}.`);
    if (!sub) {
      if (method === 'GET') {
        if (!endpoint) throw missing();
        return { status: 200, body: endpoint.resource };
      }
      if (method === 'PUT') return this.putEndpoint(ws, name, endpoint, body ?? {});
      if (method === 'DELETE') {
        if (!endpoint) return { status: 204, body: undefined };
        endpoint.resource.properties.provisioningState = 'Deleting';
        return this.startOperation('location', url, async () => {
          for (const deployment of endpoint.deployments.values()) if (deployment.running) await this.options.backend.stopService(name);
          ws.endpoints.delete(name);
        });
      }
    }
    if (!endpoint) throw missing();
    if (sub === 'listKeys' && method === 'POST') return { status: 200, body: endpoint.keys };
    if (sub === 'regenerateKeys' && method === 'POST') {
      const keyType = body?.keyType;
      if (keyType !== 'Primary' && keyType !== 'Secondary') throw new ArmFailure(400, 'BadArgument', `keyType must be Primary or Secondary, not ${String(keyType)}.`);
      return this.startOperation('location', url, () => {
        const fresh = typeof body?.keyValue === 'string' ? body.keyValue : randomBytes(24).toString('base64url');
        if (keyType === 'Primary') endpoint.keys.primaryKey = fresh;
        else endpoint.keys.secondaryKey = fresh;
        return Promise.resolve();
      });
    }
    if (sub === 'deployments') {
      if (!deploymentName && method === 'GET') return this.page(url, [...endpoint.deployments.values()].map((d) => d.resource));
      const deployment = deploymentName ? endpoint.deployments.get(deploymentName) : undefined;
      if (deploymentName && !action && method === 'GET') {
        if (!deployment) throw new ArmFailure(404, 'UserError', `Could not find deployment ${deploymentName} of endpoint ${name}.`);
        return { status: 200, body: deployment.resource };
      }
      if (deploymentName && !action && method === 'PUT') return this.putDeployment(ws, endpoint, deploymentName, body ?? {});
      if (deploymentName && action === 'getLogs' && method === 'POST') {
        if (!deployment) throw new ArmFailure(404, 'UserError', `Could not find deployment ${deploymentName} of endpoint ${name}.`);
        const tail = typeof body?.tail === 'number' ? body.tail : undefined;
        return { status: 200, body: { content: (tail === undefined ? deployment.log : deployment.log.slice(-tail)).join('\n') + '\n' } };
      }
    }
    throw new ArmFailure(404, 'NotFound', `The fake ARM has no route for ${method} onlineEndpoints/${name}/${sub ?? ''}.`);
  }

  private putEndpoint(ws: WorkspaceData, name: string, existing: Endpoint | undefined, body: Record<string, unknown>): Reply {
    const properties = (body.properties ?? {}) as Record<string, unknown>;
    if (properties.authMode !== 'Key' && properties.authMode !== 'AMLToken' && properties.authMode !== 'AADToken') throw new ArmFailure(400, 'BadArgument', 'authMode is required: Key, AMLToken or AADToken.');
    if (typeof body.location !== 'string' || !body.location) throw new ArmFailure(400, 'LocationRequired', 'The location property is required for this definition.');
    const traffic = (properties.traffic ?? {}) as Record<string, number>;
    for (const deployment of Object.keys(traffic)) {
      if (!existing?.deployments.has(deployment)) throw new ArmFailure(400, 'BadArgument', `Traffic allocated to deployment '${deployment}', which does not exist in endpoint ${name}.`);
    }
    if (existing && existing.resource.properties.provisioningState !== 'Succeeded' && existing.resource.properties.provisioningState !== 'Failed') {
      throw new ArmFailure(409, 'Conflict', `Endpoint ${name} is busy with another operation (${String(existing.resource.properties.provisioningState)}); try again when it completes.`);
    }
    const endpoint: Endpoint = existing ?? {
      resource: {
        id: `${ws.id}/onlineEndpoints/${name}`,
        name,
        type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints',
        location: body.location,
        identity: { type: 'SystemAssigned', principalId: randomUUID(), tenantId: FAKE_TENANT },
        tags: {},
        properties: {},
        systemData: systemData(),
      },
      keys: { primaryKey: randomBytes(24).toString('base64url'), secondaryKey: randomBytes(24).toString('base64url') },
      deployments: new Map(),
    };
    const scoringUri = `http://127.0.0.1:${(this.scoringFront.address() as AddressInfo).port}/${ws.id.split('/').pop()}/${name}/score`;
    endpoint.resource.tags = (body.tags ?? {}) as Record<string, string>;
    endpoint.resource.properties = { ...properties, traffic, provisioningState: existing ? 'Updating' : 'Creating', scoringUri, swaggerUri: scoringUri.replace(/score$/, 'swagger.json') };
    ws.endpoints.set(name, endpoint);
    const reply = this.startOperation('azure-async-operation', new URL(`${this.url}${endpoint.resource.id}`), () => Promise.resolve(), (failed) => {
      endpoint.resource.properties.provisioningState = failed ? 'Failed' : 'Succeeded';
    });
    return { ...reply, status: existing ? 200 : 201, body: endpoint.resource };
  }

  private putDeployment(ws: WorkspaceData, endpoint: Endpoint, name: string, body: Record<string, unknown>): Reply {
    const properties = (body.properties ?? {}) as Record<string, unknown>;
    if (properties.endpointComputeType !== 'Managed') throw new ArmFailure(400, 'BadArgument', 'endpointComputeType must be Managed for a managed online endpoint.');
    const instanceType = typeof properties.instanceType === 'string' ? properties.instanceType : '';
    if (!QUOTA.has(instanceType)) {
      throw new ArmFailure(400, 'BadArgument', `Not enough quota available for ${instanceType} in SubscriptionId ${ws.subscriptionId}. Current usage/limit: 0/0. Additional needed: 4. Please see troubleshooting guide, available here: https://aka.ms/oe-tsg#error-outofquota`);
    }
    const model = ws.models.get(/\/models\/([^/]+)\//.exec(String(properties.model))?.[1] ?? '')?.get(/\/versions\/([^/]+)$/.exec(String(properties.model))?.[1] ?? '');
    if (!model) throw new ArmFailure(400, 'BadArgument', `Model ${String(properties.model)} does not exist.`);
    const environment = /\/environments\/([^/]+)\/versions\/([^/]+)$/.exec(String(properties.environmentId));
    const image = String(((environment ? ws.environments.get(`${environment[1]}:${environment[2]}`)?.properties : undefined) as { image?: string } | undefined)?.image ?? '');
    if (!image) throw new ArmFailure(400, 'BadArgument', `Environment ${String(properties.environmentId)} does not exist.`);
    const existing = endpoint.deployments.get(name);
    const deployment: Deployment = existing ?? {
      resource: { id: `${endpoint.resource.id}/deployments/${name}`, name, type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments', location: LOCATION, sku: body.sku, properties: {}, systemData: systemData() },
      log: [],
    };
    deployment.resource.properties = { ...properties, provisioningState: existing ? 'Updating' : 'Creating' };
    endpoint.deployments.set(name, deployment);
    const serviceName = String((properties.environmentVariables as Record<string, string> | undefined)?.FPGA_SERVICE_NAME ?? endpoint.resource.name);
    deployment.log.push(`${new Date().toISOString()} pulling image ${image}`);
    const reply = this.startOperation(
      'azure-async-operation',
      new URL(`${this.url}${deployment.resource.id}`),
      async () => {
        if (image.includes(MISSING_IMAGE_MARK)) {
          deployment.log.push(`${new Date().toISOString()} failed to pull image ${image}: manifest unknown`);
          throw new ArmFailure(400, 'ImagePullFailure', `Failed to pull the image '${image}' for deployment ${name}: manifest unknown. Check that the image exists and that the endpoint's identity can pull from its registry.`);
        }
        if (deployment.running) await this.options.backend.stopService(serviceName);
        const zip = await this.downloadModel(String((model.properties as { modelUri?: string }).modelUri));
        deployment.log.push(`${new Date().toISOString()} fpga serve --model: serving ${serviceName} on port 5001 (${zip.length} bytes)`);
        deployment.running = await this.options.backend.start(serviceName, zip);
        deployment.log.push(`${new Date().toISOString()} readiness probe /v2/health/ready: 200`);
      },
      (failed) => {
        deployment.resource.properties.provisioningState = failed ? 'Failed' : 'Succeeded';
      },
    );
    return { ...reply, status: existing ? 200 : 201, body: deployment.resource };
  }

  private async downloadModel(modelUri: string): Promise<Buffer> {
    const path = /\/datastores\/[^/]+\/paths\/(.+)$/.exec(modelUri)?.[1];
    if (!path) throw new ArmFailure(400, 'BadArgument', `modelUri ${modelUri} is not a datastore path.`);
    const container = new ContainerClient(`http://${this.options.azuriteHost}/${AZURITE_ACCOUNT}/${DATASTORE_CONTAINER}`, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
    return container.getBlockBlobClient(path).downloadToBuffer();
  }

  /**
   * A long-running operation: `Azure-AsyncOperation` (status in the body) or `Location`
   * (202 until done). It stays in progress for `pollsUntilDone` polls and until its work ends.
   */
  private startOperation(kind: 'azure-async-operation' | 'location', resource: URL, work: () => Promise<void>, finish?: (failed: boolean) => void): Reply {
    const id = randomUUID();
    const operation: Operation = { pollsLeft: this.pollsUntilDone, work: Promise.resolve() };
    operation.work = work().then(
      () => {
        operation.outcome = {};
        finish?.(false);
      },
      (error: unknown) => {
        const failure = error instanceof ArmFailure ? error : new ArmFailure(500, 'InternalServerError', String(error instanceof Error ? error.message : error));
        operation.outcome = { error: { code: failure.code, message: failure.message } };
        finish?.(true);
      },
    );
    this.operations.set(id, operation);
    const subscription = /\/subscriptions\/([^/]+)/.exec(resource.pathname)?.[1] ?? SUBSCRIPTION_ONE;
    const base = `${this.url}/subscriptions/${subscription}/${ML}/locations/${LOCATION}`;
    const apiVersion = `api-version=${resource.searchParams.get('api-version') ?? '2025-09-01'}`;
    const headers: Record<string, string> =
      kind === 'azure-async-operation'
        ? { 'azure-asyncoperation': `${base}/mfeOperationsStatus/${id}?${apiVersion}`, 'x-ms-async-operation-timeout': 'PT1H' }
        : { location: `${base}/mfeOperationResults/${id}?${apiVersion}`, 'retry-after': this.retryAfter, 'x-ms-async-operation-timeout': 'PT1H' };
    return { status: 202, body: undefined, headers };
  }

  private async pollOperation(kind: string, id: string): Promise<Reply> {
    const operation = this.operations.get(id);
    if (!operation) throw new ArmFailure(404, 'NotFound', `Operation ${id} was not found.`);
    operation.pollsLeft -= 1;
    // Give quick work a moment, so that a test's polls do not spin.
    await Promise.race([operation.work, new Promise((resolve) => setTimeout(resolve, 50))]);
    const done = operation.pollsLeft < 0 && operation.outcome !== undefined;
    const retry = { 'retry-after': this.retryAfter };
    if (kind === 'mfeOperationsStatus') {
      const status = !done ? 'InProgress' : operation.outcome?.error ? 'Failed' : 'Succeeded';
      return { status: 200, headers: retry, body: { id, name: id, status, startTime: new Date().toISOString(), ...(operation.outcome?.error ? { error: operation.outcome.error } : {}) } };
    }
    if (!done) return { status: 202, headers: retry, body: undefined };
    if (operation.outcome?.error) throw new ArmFailure(400, operation.outcome.error.code, operation.outcome.error.message);
    return { status: 200, body: undefined };
  }

  private page(url: URL, items: unknown[]): Reply {
    const skip = Number(url.searchParams.get('$skipToken') ?? 0);
    const value = items.slice(skip, skip + this.pageSize);
    let nextLink: string | undefined;
    if (skip + this.pageSize < items.length) {
      const next = new URL(url);
      next.searchParams.set('$skipToken', String(skip + this.pageSize));
      nextLink = next.toString();
    }
    return { status: 200, body: { value, ...(nextLink ? { nextLink } : {}) } };
  }

  /** The scoring front of every endpoint: key check, then the served model's OIP infer route. */
  private async score(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [workspaceName, endpointName, last] = (req.url ?? '').split('/').filter(Boolean);
    const ws = [...this.workspaces.values()].find((w) => w.name === workspaceName);
    const endpoint = endpointName ? ws?.endpoints.get(endpointName) : undefined;
    if (!endpoint || last !== 'score' || req.method !== 'POST') return send(res, 404, { message: 'No such endpoint.' });
    const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!key || (key !== endpoint.keys.primaryKey && key !== endpoint.keys.secondaryKey)) return send(res, 401, { message: 'Key based authentication failed: the key is missing or wrong.' });
    const traffic = (endpoint.resource.properties.traffic ?? {}) as Record<string, number>;
    const target = Object.entries(traffic).find(([, share]) => share > 0)?.[0];
    const deployment = target ? endpoint.deployments.get(target) : undefined;
    if (!deployment?.running) return send(res, 424, { message: 'No valid deployments to route to. Please check that the endpoint has at least one deployment with positive weight values or use a deployment specific header to route.' });
    const body = Buffer.from(await readBody(req, 'binary'), 'binary');
    const answer = await fetch(deployment.running.inferUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${deployment.running.key}`,
        'content-type': req.headers['content-type'] ?? 'application/octet-stream',
        ...(req.headers['inference-header-content-length'] ? { 'inference-header-content-length': String(req.headers['inference-header-content-length']) } : {}),
      },
      body,
    });
    deployment.log.push(`${new Date().toISOString()} POST /v2/models/${endpoint.resource.name}/infer ${answer.status}`);
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  }
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function workspaceResource(ws: WorkspaceData): unknown {
  return { id: ws.id, name: ws.name, type: 'Microsoft.MachineLearningServices/workspaces', location: LOCATION, kind: 'Default', properties: { friendlyName: ws.name, provisioningState: 'Succeeded' }, systemData: systemData() };
}

function systemData(): unknown {
  const now = new Date().toISOString();
  return { createdAt: now, createdBy: FAKE_CLIENT_ID, createdByType: 'Application', lastModifiedAt: now };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...headers, ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}), 'x-ms-request-id': randomUUID() });
  res.end(text);
}

function readBody(req: IncomingMessage, encoding: BufferEncoding = 'utf8'): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString(encoding)));
    req.on('error', reject);
  });
}
