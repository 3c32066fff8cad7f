/**
 * The local service host: one HTTP server (127.0.0.1 by default) serving the management
 * API and every deployed service over the Open Inference Protocol, with its state in one
 * folder. `startHost` restores the services recorded there (Transitioning → Healthy, same
 * keys), writes `host.json` (url, admin token, pid; mode 0600) and returns a handle whose
 * `close()` stops accepting connections, lets in-flight requests finish and frees the
 * pipelines.
 */
import { availableParallelism } from 'node:os';
import { UserError, isUserError, messageOf } from '../common/errors';
import { readModelDef } from '../pipeline/modelDefReader';
import type { ModelDef } from '../pipeline/modelDefReader';
import type { BackendPreference } from '../runtime/backend';
import { onnxRuntimeVersion } from '../runtime/compile/onnxAvailability';
import type { EnginePreference } from '../runtime/engines/stageEngine';
import type { LoadedPipeline } from '../runtime/types';
import { ComputeGate } from '../runtime/worker/computeGate';
import { loadPipelineInWorker } from '../runtime/worker/workerPipeline';
import type { WorkerPipelineOptions } from '../runtime/worker/workerPipeline';
import { resolveModelStore, storeHint } from '../runtime/modelStore';
import type { HostContext } from './hostContext';
import { readLastPort, removeHostFile, writeHostFile, writeLastPort } from './hostFile';
import { isLoopback } from './hostHeader';
import { HttpError } from './httpError';
import { startHttpServer } from './httpServer';
import type { RunningHttpServer } from './httpServer';
import { addInferenceRoutes, requireServiceKey } from './inferenceRoutes';
import { newSecret } from './keys';
import { createLog, stderrSink } from './log';
import type { HostLog, LogSink } from './log';
import { addManagementRoutes } from './managementRoutes';
import { Router } from './router';
import { ServiceManager } from './serviceManager';
import type { PipelineLoader } from './serviceManager';
import { lockStateFolder } from './stateLock';
import type { StateLock } from './stateLock';
import { restrictStatePermissions } from './statePermissions';
import { StateStore } from './stateStore';
import type { ModelRecord } from './stateStore';
import { storageError } from './storageError';

const MiB = 1024 * 1024;

export interface HostOptions {
  /** State folder: state.json, models/, host.json. Created if missing. */
  stateDir: string;
  /**
   * A port number; 0 picks a free one. Left out: the port this folder's host last listened on
   * when it is free (so copied scoring URIs keep working across restarts), else a free one.
   */
  port?: number;
  /** Interface to bind; 127.0.0.1 by default, so only this machine can call. */
  host?: string;
  /** Required to bind anything but a loopback address: every service is then reachable from the network. */
  allowRemote?: boolean;
  /** Featurizer weights and label lists; resolved like everywhere else when absent. */
  modelStore?: string;
  /** TensorFlow.js backend of the stages that run on TensorFlow.js. */
  backend?: BackendPreference;
  /** Engine of the model stages (default auto: ONNX Runtime wherever a stage compiles). */
  engine?: EnginePreference;
  /** ONNX Runtime intra-op threads per session (default: every core; one batch runs at a time). */
  threads?: number;
  /** Calibration images for int8 stages (see runtime/compile/calibration.ts for the default). */
  calibration?: string;
  /** Folder of compiled models (default ~/.fpga/compiled). */
  compileCache?: string;
  syntheticWeights?: boolean;
  maxBatchSize?: number;
  maxDelayMs?: number;
  queueLimit?: number;
  maxBodyBytes?: number;
  maxModelBytes?: number;
  /** How long a client may take to send its headers, and its whole request. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  verbose?: boolean;
  version?: string;
  /** Where log lines go; stderr by default. */
  log?: LogSink;
  /** How a model becomes a loaded pipeline: in a worker thread of its own, unless a test wraps it. */
  loadPipeline?: HostPipelineLoader;
}

export type HostPipelineLoader = (zip: Uint8Array, modelDef: ModelDef, options: WorkerPipelineOptions) => Promise<LoadedPipeline>;

export const loadInWorker: HostPipelineLoader = (zip, modelDef, options) => loadPipelineInWorker(zip, modelDef.serviceDef, options);

export interface RunningHost {
  url: string;
  adminToken: string;
  /** Where model stages run (the --engine choice, ONNX Runtime's version and threads). */
  engine: string;
  /** Names of the services found in the state folder, loading in the background. */
  restored: string[];
  /** Resolves once the restored services are Healthy or Failed. */
  settled: Promise<void>;
  close(): Promise<void>;
}

export const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  maxBatchSize: 8,
  // 0: an idle service runs a request at once, and requests that arrive while a batch
  // runs form the next batch together — batching under load without a latency cost at
  // concurrency 1. A positive delay trades latency for fuller batches.
  maxDelayMs: 0,
  queueLimit: 64,
  maxBodyBytes: 32 * MiB,
  maxModelBytes: 1024 * MiB,
  // A client has this long to send its request headers (Node's default, 60 s, lets a
  // slowloris hold a socket for over a minute), and this long for the whole request: 32 MiB
  // takes well under a second on loopback and about 30 s at 10 Mbit/s.
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
});

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const log = createLog(options.log ?? stderrSink, options.verbose ?? false);
  const bindHost = options.host ?? DEFAULTS.host;
  if (!isLoopback(bindHost) && !options.allowRemote) {
    throw new UserError(`--host ${bindHost} would make every service reachable from the network, with nothing but its keys to protect it (over plain HTTP); add --allow-remote if that is what you want, or keep the default 127.0.0.1`);
  }
  // Before anything else, the store's tidying included: another host may be writing there.
  const lock = await lockStateFolder(options.stateDir);
  try {
    return await startLocked(options, log, bindHost, lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startLocked(options: HostOptions, log: HostLog, bindHost: string, lock: StateLock): Promise<RunningHost> {
  const store = await StateStore.open(options.stateDir);
  await restrictStatePermissions(options.stateDir);
  const engineOptions = pipelineEngineOptions(options);
  const { modelStore } = engineOptions;
  const engineText = describeHostEngine(engineOptions.engine, engineOptions.threads);
  const load = options.loadPipeline ?? loadInWorker;
  // One batch at a time across every service: each ONNX Runtime session already uses every core.
  const gate = new ComputeGate();
  const loader: PipelineLoader = async (model, onLost) => {
    if (!store.findModel(model.id)) throw new UserError(`model ${model.id} is not registered any more: delete this service and deploy a registered model`);
    const zip = await store.readZip(model);
    return withHostStoreAdvice(modelStore, () => load(zip, readModelDef(zip), { ...engineOptions, gate, onWorkerExit: onLost }));
  };
  const batching = {
    maxBatchSize: options.maxBatchSize ?? DEFAULTS.maxBatchSize,
    maxDelayMs: options.maxDelayMs ?? DEFAULTS.maxDelayMs,
    queueLimit: options.queueLimit ?? DEFAULTS.queueLimit,
  };
  const context: HostContext = {
    version: options.version ?? 'dev',
    adminToken: newSecret(),
    store,
    services: new ServiceManager(loader, batching, log),
    log,
    limits: { maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes, maxModelBytes: options.maxModelBytes ?? DEFAULTS.maxModelBytes },
    batching,
    modelStore,
    engine: engineText,
    startedAt: performance.now(),
    url: '',
    restoring: true,
    shuttingDown: false,
  };
  const router = new Router();
  addManagementRoutes(router, context);
  addInferenceRoutes(router, {
    version: context.version,
    limits: context.limits,
    batching: context.batching,
    services: context.services,
    notReady: () => hostNotReady(context),
    authorize: requireServiceKey,
  });

  const http = await startHttpServer({
    router,
    host: bindHost,
    port: options.port ?? 0,
    // Left out: the folder's last port when it is free, so copied scoring URIs keep working across restarts.
    ...(options.port === undefined ? { preferredPort: await readLastPort(options.stateDir) } : {}),
    log,
    headersTimeoutMs: options.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    checkHostHeader: true,
    knownError: (error, request) => {
      const storage = storageError(error, store.dir);
      if (storage) log.info(`${request}: ${storage.message}`);
      return storage;
    },
  });
  context.url = http.url;
  lock.setUrl(context.url);
  try {
    await writeHostFile(options.stateDir, { url: context.url, adminToken: context.adminToken, pid: process.pid, modelStore });
    await writeLastPort(options.stateDir, Number(new URL(context.url).port));
  } catch (error) {
    // Without host.json no client can find this host; an open server would only keep the process alive.
    await http.close();
    throw new UserError(`cannot write host.json in ${options.stateDir}: ${messageOf(error)}`);
  }
  log.info(`host ${context.version} listening on ${context.url} (pid ${process.pid}, engine ${engineText}, state ${options.stateDir}, model store ${modelStore})`);
  if (!isLoopback(bindHost)) log.info(`warning: listening on ${bindHost}, not loopback: every service is reachable from the network, protected only by its keys, over plain HTTP`);

  const restored: string[] = [];
  for (const record of store.state.services) {
    // A record naming an unknown model (only an edited state.json does that) comes back Failed, saying so.
    context.services.deploy(record, store.findModel(record.modelId) ?? unknownModel(record.modelId));
    restored.push(record.name);
  }
  const settled = waitUntilSettled(context.services).then(() => {
    context.restoring = false;
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= shutdown(context, http, options.stateDir).finally(() => lock.release());
    return closing;
  };
  return { url: context.url, adminToken: context.adminToken, engine: engineText, restored, settled, close };
}

/** What the host and the single-model server take alike about engines. */
export type EngineSettings = Pick<HostOptions, 'modelStore' | 'backend' | 'engine' | 'threads' | 'calibration' | 'compileCache' | 'syntheticWeights'>;

/** Where and how a server's pipelines load and run: the store, the engine and its threads, from the options and their defaults. */
export function pipelineEngineOptions(options: EngineSettings): Omit<WorkerPipelineOptions, 'gate' | 'onWorkerExit'> & { engine: EnginePreference; threads: number } {
  return {
    modelStore: resolveModelStore(options.modelStore),
    backend: options.backend ?? 'auto',
    engine: options.engine ?? 'auto',
    threads: options.threads ?? availableParallelism(),
    ...(options.calibration !== undefined ? { calibration: options.calibration } : {}),
    ...(options.compileCache !== undefined ? { compileCache: options.compileCache } : {}),
    syntheticWeights: options.syntheticWeights ?? false,
  };
}

/** How `fpga serve` and the host's info describe where model stages run. */
export function describeHostEngine(engine: EnginePreference, threads: number): string {
  const onnx = `onnxruntime ${onnxRuntimeVersion() ?? '(not loadable here)'}, ${threads} thread${threads === 1 ? '' : 's'}`;
  if (engine === 'tfjs') return 'tfjs (every stage on TensorFlow.js)';
  if (engine === 'onnx') return `onnx (${onnx})`;
  return `auto (${onnx}; TensorFlow.js for stages that do not compile)`;
}

function unknownModel(id: string): ModelRecord {
  const [name = id, version = '0'] = id.split(':');
  return { id, name, version: Number(version) || 0, sha256: '', size: 0, created: '', stages: [] };
}

/** Why the host as a whole cannot take requests now; a Failed service does not make the host unready. */
function hostNotReady(host: HostContext): HttpError | undefined {
  if (host.shuttingDown) return new HttpError(503, 'the host is shutting down');
  if (host.restoring) return new HttpError(503, 'the host is still restoring its services', { 'Retry-After': '1' });
  return undefined;
}

/**
 * The runtime's advice on a missing weights or labels file says how a process chooses its
 * store; a running host has chosen already, and repeating that advice would send the user
 * to set a variable that changes nothing until the host restarts. Say which store this host
 * reads and how to change it instead.
 */
async function withHostStoreAdvice<T>(modelStore: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isUserError(error) || !error.message.includes(storeHint())) throw error;
    throw new UserError(error.message.replace(storeHint(), hostStoreHint(modelStore)));
  }
}

/** Where a running host reads weights and labels, and how to make it read another store. */
export function hostStoreHint(modelStore: string): string {
  return `this host reads the model store ${modelStore}, chosen when it started: to use another, stop the host ("fpga stop") and start it again with that store (--model-store, $FPGA_MODEL_STORE or the fpga.modelStore setting)`;
}

function waitUntilSettled(services: ServiceManager): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!services.settling) resolve();
      else setTimeout(check, 50);
    };
    check();
  });
}

async function shutdown(host: HostContext, http: RunningHttpServer, stateDir: string): Promise<void> {
  host.shuttingDown = true;
  host.log.info(`host stopping: ${http.inFlight()} request(s) in flight`);
  await http.close();
  await host.services.closeAll();
  await removeHostFile(stateDir, host.adminToken);
  host.log.info('host stopped');
}
