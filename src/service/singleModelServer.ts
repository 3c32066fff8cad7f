/**
 * The single-model server (`fpga serve --model <zip or folder>`): one model_def.zip served
 * over the Open Inference Protocol v2 under one name, the way a container behind an Azure
 * Machine Learning managed online endpoint (or a KServe InferenceService) runs it.
 *
 * Only the inference routes: no management API, no state folder, no keys. The endpoint in
 * front authenticates callers (Azure ML checks the endpoint key or token before it forwards
 * a request), so binding anything but loopback still needs `allowRemote`.
 *
 * It listens first and loads the model in the background: liveness is 200 at once, and
 * readiness (the server's and the model's) is 503 with Retry-After until the model is
 * loaded. A model that fails to load leaves readiness at 503 with the error text.
 */
import { stat, readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { UserError, isUserError, messageOf } from '../common/errors';
import { sha256Hex } from '../common/hash';
import { DEFAULT_ZIP_LIMITS, ModelDefError, readModelDef } from '../pipeline/modelDefReader';
import type { ModelDef } from '../pipeline/modelDefReader';
import { ComputeGate } from '../runtime/worker/computeGate';
import { DeployedService } from './deployedService';
import { DEFAULTS, describeHostEngine, loadInWorker, pipelineEngineOptions } from './host';
import type { HostOptions } from './host';
import { isLoopback } from './hostHeader';
import { HttpError } from './httpError';
import { startHttpServer } from './httpServer';
import { addInferenceRoutes } from './inferenceRoutes';
import { newServiceKeys } from './keys';
import { createLog, stderrSink } from './log';
import { locateModelZip } from './modelZipLocator';
import { Router } from './router';
import type { ModelRecord, ServiceRecord } from './stateStore';

/** The environment variable that names the model when --name is not given (set per deployment). */
export const SERVICE_NAME_ENV = 'FPGA_SERVICE_NAME';

/** Names that are safe as one URL path segment, as model names of the local host are. */
const MODEL_NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface SingleModelOptions extends Omit<HostOptions, 'stateDir' | 'maxModelBytes'> {
  /** A model_def.zip, or a folder with exactly one zip beneath it (AZUREML_MODEL_DIR). */
  model: string;
  /** Name in the /v2/models/<name> routes: this, else $FPGA_SERVICE_NAME, else the pipeline's name. */
  name?: string;
}

/** How loading ended: loaded, failed (readiness then says why), or cut short by close(). */
export type LoadOutcome = { state: 'ready'; loadMs: number } | { state: 'failed'; error: string } | { state: 'stopped' };

export interface RunningModelServer {
  url: string;
  /** Where model stages run (the --engine choice, ONNX Runtime's version and threads). */
  engine: string;
  /** The name the routes serve the model under. */
  name: string;
  /** The zip being served, found from the --model path. */
  zip: string;
  /** Settles once the model is loaded or has failed to load; never rejects. */
  loaded: Promise<LoadOutcome>;
  /** Resolves with the reason if the model's engine dies after loading (its worker crashed). */
  engineLost: Promise<string>;
  close(): Promise<void>;
}

export async function startSingleModelServer(options: SingleModelOptions): Promise<RunningModelServer> {
  const log = createLog(options.log ?? stderrSink, options.verbose ?? false);
  const bindHost = options.host ?? DEFAULTS.host;
  if (!isLoopback(bindHost) && !options.allowRemote) {
    throw new UserError(`--host ${bindHost} would let anyone on the network call the model: this mode has no keys and counts on an endpoint in front to authenticate callers; add --allow-remote if that is so, or keep the default 127.0.0.1`);
  }
  // Everything that can be checked before listening is: a wrong path or a bad zip exits at once.
  const located = await locateModelZip(options.model);
  const { zip, modelDef } = await readModelFile(located.zip);
  const name = serviceName(options.name, modelDef);
  const model = modelRecord(name, located.version ?? 1, zip, modelDef);

  const batching = {
    maxBatchSize: options.maxBatchSize ?? DEFAULTS.maxBatchSize,
    maxDelayMs: options.maxDelayMs ?? DEFAULTS.maxDelayMs,
    queueLimit: options.queueLimit ?? DEFAULTS.queueLimit,
  };
  const service = new DeployedService(serviceRecord(name, model, batching), model, batching, () => undefined);
  let stopping = false;
  const router = new Router();
  addInferenceRoutes(router, {
    version: options.version ?? 'dev',
    limits: { maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes },
    batching,
    services: { get: (requested) => (requested === name ? service : undefined) },
    // One model: the server is ready exactly when it is.
    notReady: () => (stopping ? new HttpError(503, 'the server is shutting down') : service.unavailableReason()),
    authorize: endpointAuthenticates,
  });
  const http = await startHttpServer({
    router,
    host: bindHost,
    port: options.port ?? 0,
    log,
    headersTimeoutMs: options.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    // Bound to loopback, a browser page could reach it through a rebound DNS name. Bound to
    // the network, it is called by whatever name the endpoint in front uses.
    checkHostHeader: isLoopback(bindHost),
  });
  log.info(`serving model ${name} from ${located.zip} on ${http.url} (pid ${process.pid})`);

  const engineOptions = pipelineEngineOptions(options);
  let reportLost: (reason: string) => void = () => undefined;
  const engineLost = new Promise<string>((resolve) => (reportLost = resolve));
  const load = options.loadPipeline ?? loadInWorker;
  const started = performance.now();
  const loading = service.load(() =>
    load(zip, modelDef, {
      ...engineOptions,
      gate: new ComputeGate(),
      onWorkerExit: (reason) => {
        service.fail(reason);
        reportLost(reason);
      },
    }),
  );
  const loaded = loading.then(
    (): LoadOutcome => (service.loaded ? { state: 'ready', loadMs: Math.round(performance.now() - started) } : { state: 'stopped' }),
    (error: unknown): LoadOutcome => {
      // A bug (not a user error) keeps its stack in the log for whoever reads it with --verbose.
      if (!isUserError(error) && options.verbose) log.error(`model ${name}: unexpected error while loading`, error);
      return { state: 'failed', error: service.error ?? messageOf(error) };
    },
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stopping = true;
      log.info(`server stopping: ${http.inFlight()} request(s) in flight`);
      await http.close();
      await service.retire();
      // A load still under way is disposed as it finishes (the service is Deleting).
      await loaded;
      log.info('server stopped');
    })();
    return closing;
  };
  return { url: http.url, engine: describeHostEngine(engineOptions.engine, engineOptions.threads), name, zip: located.zip, loaded, engineLost, close };
}

/** No keys here: Azure ML (or whatever is in front) has checked the caller before forwarding. */
function endpointAuthenticates(_service: DeployedService, _req: IncomingMessage): void {}

/** Reads and verifies the zip, naming the file in any error, so that a bad one never gets as far as listening. */
async function readModelFile(path: string): Promise<{ zip: Buffer; modelDef: ModelDef }> {
  let zip: Buffer;
  try {
    const { size } = await stat(path);
    if (size > DEFAULT_ZIP_LIMITS.maxTotalBytes) throw new UserError(`${path} is ${size} bytes, more than a model_def.zip may be`);
    zip = await readFile(path);
  } catch (error) {
    if (isUserError(error)) throw error;
    throw new UserError(`cannot read the model ${path}: ${messageOf(error)}`);
  }
  try {
    return { zip, modelDef: readModelDef(zip) };
  } catch (error) {
    if (error instanceof ModelDefError) throw new ModelDefError(`${path}: ${error.message}`, error.entry);
    throw error;
  }
}

function serviceName(explicit: string | undefined, modelDef: ModelDef): string {
  const fromEnv = process.env[SERVICE_NAME_ENV]?.trim();
  const [name, source] =
    explicit !== undefined ? [explicit, '--name'] : fromEnv !== undefined && fromEnv !== '' ? [fromEnv, `$${SERVICE_NAME_ENV}`] : [modelDef.serviceDef.name, "the pipeline's name"];
  if (!MODEL_NAME_RULE.test(name)) {
    throw new UserError(`"${name}" (from ${source}) cannot name the model in its URL: use 1–64 letters, digits, ".", "_" and "-", starting with a letter or digit${source === '--name' ? '' : ', or pass --name'}`);
  }
  return name;
}

function modelRecord(name: string, version: number, zip: Buffer, modelDef: ModelDef): ModelRecord {
  return {
    id: `${name}:${version}`,
    name,
    version,
    sha256: sha256Hex(zip),
    size: zip.length,
    created: new Date().toISOString(),
    stages: modelDef.serviceDef.pipeline.map((stage) => ({ name: stage.name, type: stage.type, ...('model_ref' in stage ? { model_ref: stage.model_ref } : {}) })),
  };
}

function serviceRecord(name: string, model: ModelRecord, batching: { maxBatchSize: number; maxDelayMs: number }): ServiceRecord {
  return {
    name,
    modelId: model.id,
    // No request is ever checked against these (endpointAuthenticates lets every caller in);
    // random rather than empty, so that no code path could accept a guessable key.
    keys: newServiceKeys(),
    created: model.created,
    maxBatchSize: batching.maxBatchSize,
    maxDelayMs: batching.maxDelayMs,
  };
}
