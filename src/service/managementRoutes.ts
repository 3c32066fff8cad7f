/**
 * The management API under /admin (admin token): register, list and delete models; deploy,
 * list, inspect and delete services; read and regenerate service keys; describe the host.
 * Every change goes through one state transaction, so concurrent calls cannot interleave.
 */
import type { IncomingMessage } from 'node:http';
import { didYouMean } from '../common/didYouMean';
import { sha256Hex } from '../common/hash';
import { serviceNameProblem } from '../common/serviceName';
import { readModelDef } from '../pipeline/modelDefReader';
import type { DeployedService } from './deployedService';
import type { HostContext } from './hostContext';
import { readBody, sendEmpty, sendJson } from './http';
import { HttpError, badRequest, conflict, notFound, unauthorized } from './httpError';
import { bearerToken, newSecret, newServiceKeys, secretMatches } from './keys';
import type { ServiceState } from './deployedService';
import type { KeyName } from './keys';
import type { Handler, RequestContext, Router } from './router';
import type { ModelRecord, ServiceRecord, StageSummary } from './stateStore';
import type { StageEngineInfo } from '../runtime/engines/stageEngine';

const MAX_ADMIN_JSON_BYTES = 1024 * 1024;
const MODEL_NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_BATCH_SIZE_LIMIT = 256;
const MAX_DELAY_MS_LIMIT = 1000;

/** A service as the management API shows it (the Local workspace reads this shape). */
export interface ServiceJson {
  name: string;
  model: string;
  state: ServiceState;
  scoring_uri: string;
  error: string | null;
  created: string;
  /** Where the model stages run, in one phrase (e.g. "onnxruntime"). */
  backend: string | null;
  /** Each model stage's engine, precision and note, by stage name (absent from hosts before 0.2). */
  engines?: Record<string, StageEngineInfo> | null;
  precision: string | null;
  synthetic: boolean | null;
  input_shape: number[] | null;
  classes: number | null;
  max_batch_size: number;
  max_delay_ms: number;
}

export function serviceJson(host: HostContext, service: DeployedService): ServiceJson {
  const pipeline = service.loaded;
  return {
    name: service.name,
    model: service.record.modelId,
    state: service.state,
    scoring_uri: `${host.url}/v2/models/${encodeURIComponent(service.name)}/infer`,
    error: service.error,
    created: service.record.created,
    backend: pipeline?.backend ?? null,
    engines: pipeline ? { ...pipeline.engines } : null,
    precision: pipeline?.precision ?? null,
    synthetic: pipeline?.synthetic ?? null,
    input_shape: pipeline ? [...pipeline.inputShape] : null,
    classes: pipeline?.classes ?? null,
    max_batch_size: service.batching.maxBatchSize,
    max_delay_ms: service.batching.maxDelayMs,
  };
}

export function addManagementRoutes(router: Router, host: HostContext): void {
  const admin = (handler: Handler): Handler => (context) => {
    const token = bearerToken(context.req.headers.authorization);
    if (token === undefined) throw unauthorized('missing "Authorization: Bearer <admin token>" header; the token is in host.json in the state folder');
    if (!secretMatches(token, host.adminToken)) throw unauthorized('the admin token is not valid for this host (it changes at every start; read host.json again)');
    return handler(context);
  };
  router
    .add('GET', '/admin/host', admin(({ res }) => sendJson(res, 200, hostInfo(host))))
    .add('GET', '/admin/models', admin(({ res }) => sendJson(res, 200, host.store.state.models)))
    .add('POST', '/admin/models', admin((context) => registerModel(host, context)))
    .add('GET', '/admin/models/:id', admin(({ res, params }) => sendJson(res, 200, findModel(host, params.id ?? ''))))
    .add('DELETE', '/admin/models/:id', admin((context) => deleteModel(host, context)))
    .add('GET', '/admin/services', admin(({ res }) => sendJson(res, 200, host.services.list().map((s) => serviceJson(host, s)))))
    .add('POST', '/admin/services', admin((context) => createService(host, context)))
    .add('GET', '/admin/services/:name', admin(({ res, params }) => sendJson(res, 200, serviceJson(host, findService(host, params.name ?? '')))))
    .add('DELETE', '/admin/services/:name', admin((context) => deleteService(host, context)))
    .add('GET', '/admin/services/:name/keys', admin(({ res, params }) => sendJson(res, 200, findService(host, params.name ?? '').record.keys)))
    .add('POST', '/admin/services/:name/keys', admin((context) => regenerateKey(host, context)));
}

function hostInfo(host: HostContext): Record<string, unknown> {
  return {
    version: host.version,
    pid: process.pid,
    engine: host.engine,
    model_store: host.modelStore,
    uptime_s: Math.round((performance.now() - host.startedAt) / 1000),
    services: host.services.list().length,
  };
}

function findModel(host: HostContext, id: string): ModelRecord {
  const model = host.store.findModel(id);
  if (!model) throw modelNotFound(id, host.store.state.models);
  return model;
}

function findService(host: HostContext, name: string): DeployedService {
  const service = host.services.get(name);
  if (!service) throw notFound(`no service named "${name}"${didYouMean(name, host.services.list().map((s) => s.name))}`);
  return service;
}

/** A model id is `name:version`; a bare name that is registered gets its versions named, anything else the nearest id. */
function modelNotFound(id: string, models: readonly ModelRecord[]): HttpError {
  const versions = id.includes(':') ? [] : models.filter((m) => m.name === id).map((m) => m.id);
  if (versions.length === 1) return notFound(`no model "${id}" is registered: did you mean "${versions[0] ?? ''}"? A model id is <name>:<version>`);
  if (versions.length > 1) return notFound(`no model "${id}" is registered: a model id is <name>:<version>, and ${id} has ${versions.map((v) => `"${v}"`).join(', ')}`);
  return notFound(`no model "${id}" is registered${didYouMean(id, models.map((m) => m.id))}`);
}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, MAX_ADMIN_JSON_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('the request body must be a JSON object');
  return value as Record<string, unknown>;
}

async function registerModel(host: HostContext, { req, res, url }: RequestContext): Promise<void> {
  const explicitName = url.searchParams.get('name') ?? undefined;
  if (explicitName !== undefined && !MODEL_NAME_RULE.test(explicitName)) {
    throw badRequest(`model name "${explicitName}" is not allowed: use 1–64 letters, digits, ".", "_" and "-", starting with a letter or digit`);
  }
  const zip = await readBody(req, host.limits.maxModelBytes, 'the model zip');
  if (zip.length === 0) throw badRequest('the request body is empty: send the bytes of model_def.zip');
  // The same verification as `fpga inspect`: a ModelDefError (a UserError) becomes a 400 with its text.
  const modelDef = readModelDef(zip);
  const name = explicitName ?? modelDef.serviceDef.name;
  if (!MODEL_NAME_RULE.test(name)) throw badRequest(`the pipeline name "${name}" cannot name a model; register it with ?name=<name>`);
  const sha256 = sha256Hex(zip);
  const stages = modelDef.serviceDef.pipeline.map((stage): StageSummary => ({
    name: stage.name,
    type: stage.type,
    ...('model_ref' in stage ? { model_ref: stage.model_ref } : {}),
  }));
  const { model, created } = await host.store.transaction(async (draft, _afterCommit, onAbort) => {
    const existing = draft.models.find((m) => m.sha256 === sha256 && m.name === name);
    if (existing) return { model: existing, created: false };
    const version = (draft.lastVersions[name] ?? 0) + 1;
    // A zip whose state.json write fails (a full disk) must not stay behind until the next start.
    onAbort(() => host.store.removeZipIfUnused(sha256));
    await host.store.storeZip(sha256, zip);
    const record: ModelRecord = { id: `${name}:${version}`, name, version, sha256, size: zip.length, created: new Date().toISOString(), stages };
    draft.models.push(record);
    draft.lastVersions[name] = version;
    return { model: record, created: true };
  });
  if (created) host.log.info(`model ${model.id}: registered (${model.size} bytes, sha256 ${sha256})`);
  sendJson(res, created ? 201 : 200, model);
}

async function deleteModel(host: HostContext, { res, params }: RequestContext): Promise<void> {
  const id = params.id ?? '';
  await host.store.transaction((draft, afterCommit) => {
    const index = draft.models.findIndex((m) => m.id === id);
    const model = draft.models[index];
    if (!model) throw modelNotFound(id, draft.models);
    const users = draft.services.filter((s) => s.modelId === id).map((s) => s.name);
    // A service being deleted has left the state already but still runs the model until drained.
    for (const service of host.services.list()) if (service.record.modelId === id && !users.includes(service.name)) users.push(service.name);
    if (users.length === 1) throw conflict(`model ${id} is used by service ${users[0]}; delete the service first`);
    if (users.length > 1) throw conflict(`model ${id} is used by services ${users.join(', ')}; delete the services first`);
    draft.models.splice(index, 1);
    afterCommit(() => host.store.removeZipIfUnused(model.sha256));
  });
  host.log.info(`model ${id}: deleted`);
  sendEmpty(res, 204);
}

function optionalInteger(body: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`"${key}" must be a whole number from ${min} to ${max}`);
  }
  return value;
}

async function createService(host: HostContext, { req, res }: RequestContext): Promise<void> {
  const body = await readJsonObject(req);
  const { name, model: modelId } = body;
  if (typeof name !== 'string') throw badRequest('"name" must be a string: the service name');
  const problem = serviceNameProblem(name);
  if (problem) throw badRequest(problem);
  if (typeof modelId !== 'string') throw badRequest('"model" must be a string: the id of a registered model, e.g. "mobilenet-imagenet:1"');
  const maxBatchSize = optionalInteger(body, 'maxBatchSize', 1, MAX_BATCH_SIZE_LIMIT);
  const maxDelayMs = optionalInteger(body, 'maxDelayMs', 0, MAX_DELAY_MS_LIMIT);
  // Assigned inside the transaction's commit step (TypeScript cannot see that, hence the cast).
  let deployed = undefined as DeployedService | undefined;
  await host.store.transaction((draft, afterCommit) => {
    if (host.services.get(name)?.state === 'Deleting') throw conflict(`service ${name} is still being deleted; deploy again once it is gone`);
    if (draft.services.some((s) => s.name === name)) throw conflict(`a service named ${name} already exists; delete it first or choose another name`);
    const model = draft.models.find((m) => m.id === modelId);
    if (!model) throw modelNotFound(modelId, draft.models);
    const record: ServiceRecord = {
      name,
      modelId,
      keys: newServiceKeys(),
      created: new Date().toISOString(),
      ...(maxBatchSize !== undefined ? { maxBatchSize } : {}),
      ...(maxDelayMs !== undefined ? { maxDelayMs } : {}),
    };
    draft.services.push(record);
    afterCommit(() => {
      deployed = host.services.deploy(record, model);
    });
  });
  if (!deployed) throw new HttpError(500, `internal error: service ${name} was recorded but not started`);
  sendJson(res, 202, serviceJson(host, deployed));
}

async function deleteService(host: HostContext, { res, params }: RequestContext): Promise<void> {
  const service = findService(host, params.name ?? '');
  if (service.state !== 'Deleting') {
    // New requests are refused at once, even while the state file is being written (which
    // can take a few turns of an event loop busy with model batches).
    const previous = service.markDeleting();
    try {
      // Removed from the state before the service stops: once accepted, a delete survives a crash.
      await host.store.transaction((draft) => {
        draft.services = draft.services.filter((s) => s.name !== service.name);
      });
    } catch (error) {
      service.cancelDelete(previous);
      throw error;
    }
    host.services.retire(service.name).catch((error: unknown) => host.log.error(`service ${service.name}: deleting failed`, error));
  }
  sendJson(res, 202, serviceJson(host, service));
}

async function regenerateKey(host: HostContext, { req, res, params }: RequestContext): Promise<void> {
  const service = findService(host, params.name ?? '');
  const body = await readJsonObject(req);
  const which = body.regenerate;
  if (which !== 'primary' && which !== 'secondary') throw badRequest('"regenerate" must be "primary" or "secondary"');
  const keyName: KeyName = which;
  const keys = await host.store.transaction((draft, afterCommit) => {
    const record = draft.services.find((s) => s.name === service.name);
    if (!record) throw notFound(`no service named "${service.name}"`);
    const updated = { ...record.keys, [keyName]: newSecret() };
    record.keys = updated;
    // In commit order, so that two regenerations at once cannot leave an older key active.
    afterCommit(() => host.services.updateKeys(service.name, updated));
    return updated;
  });
  host.log.info(`service ${service.name}: ${keyName} key regenerated`);
  sendJson(res, 200, keys);
}
