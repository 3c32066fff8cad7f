/**
 * Open Inference Protocol v2 endpoints, plus `classify` (raw image bytes in, top-k out), for
 * whichever server runs them: the local host (every deployed service) or the single-model
 * server (one model, behind an endpoint that authenticates).
 *
 * The server's authorizer guards what costs compute or reveals results: on the local host,
 * `infer` and `classify` need `Authorization: Bearer <primary or secondary key>`. Health,
 * server metadata, model metadata and model readiness are open, as in KServe and Triton:
 * probes and OIP tooling call them without credentials, and they reveal only names, shapes
 * and states.
 */
import type { IncomingMessage } from 'node:http';
import { topK } from '../runtime/topK';
import type { LoadedPipeline, Timings } from '../runtime/types';
import { HEADER_LENGTH_HEADER } from './binaryCodec';
import type { DeployedService, ScoredRow } from './deployedService';
import type { BatcherOptions } from './batcher';
import type { HostLimits } from './hostContext';
import { readBody, sendBytes, sendJson } from './http';
import { HttpError, badRequest, notFound, unauthorized } from './httpError';
import { bearerToken, matchesServiceKey } from './keys';
import { IMAGE_INPUT, SCORES_OUTPUT, TENSOR_INPUT, encodeInferResponse, parseInferRequest } from './oipCodec';
import type { RequestContext, Router } from './router';

export const SERVER_NAME = 'fpga-model-services';
export const EXTENSIONS = ['classification', 'binary_tensor_data'];

/** What the inference routes need from the server they run in. */
export interface InferenceServer {
  readonly version: string;
  readonly limits: Pick<HostLimits, 'maxBodyBytes'>;
  readonly batching: Pick<BatcherOptions, 'queueLimit'>;
  /** The services this server runs, by the name in the request path. */
  readonly services: { get(name: string): DeployedService | undefined };
  /** Why the server as a whole cannot take requests now (its 503), or undefined when it is ready. */
  notReady(): HttpError | undefined;
  /** Throws the 401 for a caller who may not use `service`; returns when it may. */
  authorize(service: DeployedService, req: IncomingMessage): void;
}

/** The local host's authorizer: the service's primary or secondary key as a bearer token. */
export function requireServiceKey(service: DeployedService, req: IncomingMessage): void {
  const token = bearerToken(req.headers.authorization);
  if (token === undefined) throw unauthorized(`missing "Authorization: Bearer <key>" header: use the primary or secondary key of service ${service.name}`);
  if (!matchesServiceKey(token, service.record.keys)) throw unauthorized(`the key is not valid for service ${service.name}`);
}

export function addInferenceRoutes(router: Router, host: InferenceServer): void {
  router
    .add('GET', '/v2', ({ res }) => sendJson(res, 200, { name: SERVER_NAME, version: host.version, extensions: EXTENSIONS }))
    .add('GET', '/v2/health/live', ({ res }) => sendJson(res, 200, { live: true }))
    .add('GET', '/v2/health/ready', ({ res }) => serverReady(host, res));
  // Every model route also answers under /versions/<version>, as OIP clients may address it.
  for (const prefix of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    router
      .add('GET', prefix, (context) => sendJson(context.res, 200, metadata(loadedService(host, context))))
      .add('GET', `${prefix}/ready`, (context) => modelReady(host, context))
      .add('POST', `${prefix}/infer`, (context) => infer(host, context))
      .add('POST', `${prefix}/classify`, (context) => classify(host, context));
  }
}

function serverReady(host: InferenceServer, res: RequestContext['res']): void {
  const refusal = host.notReady();
  if (refusal) sendJson(res, refusal.status, { ready: false, error: refusal.message }, { ...refusal.headers });
  else sendJson(res, 200, { ready: true });
}

function findService(host: InferenceServer, { params }: RequestContext): DeployedService {
  const name = params.name ?? '';
  const service = host.services.get(name);
  if (!service) throw notFound(`no service named "${name}"`);
  const version = params.version;
  if (version !== undefined && version !== String(service.model.version)) {
    throw notFound(`service ${name} runs version ${service.model.version} of model ${service.model.name}, not version ${version}`);
  }
  return service;
}

/** A service that can take requests now; otherwise the 503 that says its state. */
function loadedService(host: InferenceServer, context: RequestContext): { service: DeployedService; pipeline: LoadedPipeline } {
  const service = findService(host, context);
  const refusal = service.unavailableReason();
  if (refusal) throw refusal;
  const pipeline = service.loaded;
  if (!pipeline) throw new HttpError(503, `service ${service.name} is not ready`);
  return { service, pipeline };
}

function metadata( { service, pipeline }: { service: DeployedService; pipeline: LoadedPipeline }): Record<string, unknown> {
  return {
    name: service.name,
    versions: [String(service.model.version)],
    platform: `${SERVER_NAME}/${[...new Set(Object.values(pipeline.engines).map((stage) => stage.engine))].join('+')}`,
    inputs: [
      { name: IMAGE_INPUT, datatype: 'BYTES', shape: [-1] },
      { name: TENSOR_INPUT, datatype: 'FP32', shape: [-1, ...pipeline.inputShape] },
    ],
    outputs: [{ name: SCORES_OUTPUT, datatype: 'FP32', shape: [-1, pipeline.classes] }],
  };
}

function modelReady(host: InferenceServer, context: RequestContext): void {
  const service = findService(host, context);
  const refusal = service.unavailableReason();
  if (refusal) sendJson(context.res, 503, { name: service.name, ready: false, error: refusal.message });
  else sendJson(context.res, 200, { name: service.name, ready: true });
}

/** Response parameters: what ran the request, where its time went, and the largest batch it rode in. */
function resultParameters(pipeline: LoadedPipeline, rows: readonly ScoredRow[], timings: Timings): Record<string, unknown> {
  return {
    backend: pipeline.backend,
    engines: pipeline.engines,
    precision: pipeline.precision,
    synthetic: pipeline.synthetic,
    batch_size: Math.max(0, ...rows.map((row) => row.batchSize)),
    timings_ms: timings,
  };
}

/** Refuses a request the queue could never hold, which would otherwise be a 429 forever. */
function checkRequestSize(host: InferenceServer, count: number): void {
  if (count > host.batching.queueLimit) {
    throw badRequest(`the request holds ${count} inputs; this host takes at most ${host.batching.queueLimit} per request (its queue limit)`);
  }
}

async function infer(host: InferenceServer, context: RequestContext): Promise<void> {
  const started = performance.now();
  const { req, res } = context;
  const { service, pipeline } = authorizedService(host, context);
  // A full service refuses before reading the body; the exact count is known only once it is parsed.
  if (service.admission.full) throw service.admission.refusal();
  const body = await readBody(req, host.limits.maxBodyBytes);
  const header = req.headers[HEADER_LENGTH_HEADER];
  const request = parseInferRequest(body, Array.isArray(header) ? header[0] : header, { inputShape: pipeline.inputShape, classes: pipeline.classes });
  const { payload } = request;
  const count = payload.kind === 'images' ? payload.images.length : payload.tensors.length;
  checkRequestSize(host, count);
  const release = service.admission.admit(count);
  let rows: ScoredRow[];
  try {
    rows = payload.kind === 'images' ? await service.classifyImages(payload.images) : await service.scoreTensors(payload.tensors);
  } finally {
    release();
  }
  const timings = requestTimings(rows, started);
  const encoded = encodeInferResponse(
    {
      modelName: service.name,
      modelVersion: String(service.model.version),
      ...(request.id !== undefined ? { id: request.id } : {}),
      parameters: resultParameters(pipeline, rows, timings),
      rows: rows.map((row) => row.scores),
      classes: pipeline.classes,
      top: (row, k) => topK(row, pipeline.labels, k),
    },
    request.output,
  );
  sendBytes(res, 200, encoded.body, encoded.headers);
}

async function classify(host: InferenceServer, context: RequestContext): Promise<void> {
  const started = performance.now();
  const { req, res, url } = context;
  const { service, pipeline } = authorizedService(host, context);
  const topText = url.searchParams.get('top');
  let k = pipeline.topK;
  if (topText !== null) {
    k = Number(topText);
    if (!/^\d+$/.test(topText) || k < 1 || k > pipeline.classes) throw badRequest(`top must be a whole number from 1 to ${pipeline.classes}, not "${topText}"`);
  }
  // Admitted before the image is read or decoded: a refusal costs no decoding.
  const release = service.admission.admit(1);
  let row: ScoredRow | undefined;
  try {
    const body = await readBody(req, host.limits.maxBodyBytes, 'the image');
    if (body.length === 0) throw badRequest('the request body is empty: send the bytes of an image (JPEG, PNG, BMP, GIF or WebP)');
    [row] = await service.classifyImages([body]);
  } finally {
    release();
  }
  if (!row) throw new HttpError(500, 'internal error: the pipeline returned no scores');
  sendJson(res, 200, {
    predictions: topK(row.scores, pipeline.labels, k),
    timings_ms: requestTimings([row], started),
    backend: pipeline.backend,
    engines: pipeline.engines,
    precision: pipeline.precision,
    synthetic: pipeline.synthetic,
  });
}

/** Existence (404), then the key (401), then the state (503): a caller without a key learns nothing more. */
function authorizedService(host: InferenceServer, context: RequestContext): { service: DeployedService; pipeline: LoadedPipeline } {
  host.authorize(findService(host, context), context.req);
  return loadedService(host, context);
}

/**
 * One request's timings: decode and pre-processing summed over its inputs, the model
 * stages summed over the distinct batches its inputs rode in, the longest queue wait, and
 * the total time the host spent on it. Stage totals reported by the runtime are left out.
 */
function requestTimings(rows: readonly ScoredRow[], started: number): Timings {
  const timings: Timings = {};
  const add = (source: Timings): void => {
    for (const [stage, ms] of Object.entries(source)) if (stage !== 'total') timings[stage] = (timings[stage] ?? 0) + ms;
  };
  for (const row of rows) add(row.prepare);
  for (const batch of new Set(rows.map((row) => row.batch))) add(batch);
  timings.queue = Math.max(0, ...rows.map((row) => row.queueMs));
  timings.total = performance.now() - started;
  for (const [stage, ms] of Object.entries(timings)) timings[stage] = Math.round(ms * 100) / 100;
  return timings;
}
