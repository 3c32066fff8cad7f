/**
 * `fpga bench`: latency and throughput of the example pipelines, in one run —
 * - `decode` and `preprocess`: the CPU side of one request, measured apart;
 * - `raw`: the model stages alone on their engine, in process (batch 1, and batch 8 for
 *   the throughput the engine can give);
 * - `runtime`: the whole pipeline in process, from JPEG bytes to top-k;
 * - `http`: end to end through a local service host in its own process, at several
 *   concurrencies (dynamic batching at work).
 * Each in-process row exists per engine variant: TensorFlow.js fp32 (the reference), ONNX
 * Runtime fp32 and ONNX Runtime int8; the host serves the fp32 and int8 variants side by side.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { UserError } from '../../common/errors';
import { readModelDef } from '../../pipeline/modelDefReader';
import { packagePipeline } from '../../pipeline/packager';
import type { PreprocessServiceStage } from '../../pipeline/serviceDef';
import type { Precision } from '../../pipeline/types';
import { decodeImage } from '../../runtime/image/decode';
import { preprocessImage } from '../../runtime/image/preprocess';
import type { EnginePreference } from '../../runtime/engines/stageEngine';
import { loadPipeline } from '../../runtime/loadPipeline';
import type { RunnablePipeline } from '../../runtime/loadPipeline';
import { topK } from '../../runtime/topK';
import { HostClient } from '../../workspaces/local/hostClient';
import { findOrStartHost, stopHost } from '../../workspaces/local/hostLauncher';
import type { HostFile } from '../../workspaces/local/hostFile';
import { LocalWorkspace } from '../../workspaces/local/localWorkspace';
import type { ServiceInfo } from '../../workspaces/workspace';
import { describeMachine, peakRssMb, peakRssOfProcessMb, rssOfProcessMb } from './machine';
import type { MachineInfo } from './machine';
import { measure } from './measure';
import type { Measurement } from './measure';
import { percentiles, round } from './stats';
import type { LatencyStats } from './stats';

export type BenchMode = 'decode' | 'preprocess' | 'raw' | 'runtime' | 'http';

export interface BenchRow extends LatencyStats {
  pipeline: string;
  mode: BenchMode;
  /** The engine(s) of the model stages (`-` for decode and preprocess). */
  backend: string;
  precision: string;
  /** Concurrent callers (http), else 1. */
  concurrency: number;
  /** Images per engine call (raw), else 1. */
  batch: number;
  throughput_ips: number;
  peak_rss_mb: number | null;
  synthetic: boolean;
  samples: number;
}

/** Resident memory of the host across many requests, after a warm-up. */
export interface MemorySoak {
  pipeline: string;
  requests: number;
  rss_after_warmup_mb: number;
  rss_after_mb: number;
}

export interface BenchReport {
  machine: MachineInfo;
  image: string;
  rows: BenchRow[];
  memory?: MemorySoak;
}

export interface BenchOptions {
  pipelines: string[];
  image: string;
  modelStore: string;
  cliPath: string;
  /** auto: ONNX Runtime rows and the TensorFlow.js reference; onnx or tfjs: that engine's rows only. */
  engine: EnginePreference;
  threads?: number;
  calibration?: string;
  seconds: number;
  minIterations: number;
  concurrency: number[];
  /** HTTP requests of the memory check (0 = skip), on the first pipeline's int8 service. */
  soak: number;
  /** Progress lines for the terminal (stderr), never part of the report. */
  progress: (line: string) => void;
}

interface Variant {
  engine: Exclude<EnginePreference, 'auto'>;
  precision: Precision;
}

const POLL_MS = 250;
const RAW_BATCH = 8;
const SOAK_CONCURRENCY = 4;

function variants(engine: EnginePreference): Variant[] {
  const onnx: Variant[] = [
    { engine: 'onnx', precision: 'fp32' },
    { engine: 'onnx', precision: 'int8' },
  ];
  if (engine === 'onnx') return onnx;
  if (engine === 'tfjs') return [{ engine: 'tfjs', precision: 'fp32' }];
  return [{ engine: 'tfjs', precision: 'fp32' }, ...onnx];
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const image = readFileSync(options.image);
  const precisions = [...new Set(variants(options.engine).map((v) => v.precision))];
  const packaged = [];
  for (const path of options.pipelines) {
    for (const precision of precisions) {
      const { zip, serviceDef } = await packagePipeline(path, { precision, nameSuffix: precision === 'int8' ? '-int8' : '' });
      packaged.push({ name: serviceDef.name, zip, precision });
    }
  }
  // HTTP first, while this process is still lean: the in-process rows load models here
  // and would compete with the host for the same two cores' caches and the GC.
  const { rows: http, memory } = await httpRows(packaged, image, options);
  const rows: BenchRow[] = [];
  for (const { name, zip } of packaged.filter((p) => p.precision === 'fp32')) {
    const modelDef = readModelDef(zip);
    rows.push(...(await cpuRows(name, modelDef.serviceDef.pipeline.find((s): s is PreprocessServiceStage => s.type === 'preprocess'), image, options)));
    for (const variant of variants(options.engine)) {
      options.progress(`${name}: loading on ${variant.engine} ${variant.precision}`);
      const pipeline = await loadPipeline(modelDef, {
        modelStore: options.modelStore,
        engine: variant.engine,
        precision: variant.precision,
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
        ...(options.calibration !== undefined ? { calibration: options.calibration } : {}),
      });
      try {
        rows.push(await rawRow(pipeline, image, 1, options));
        if (variant.engine === 'onnx') rows.push(await rawRow(pipeline, image, RAW_BATCH, options));
        rows.push(await runtimeRow(pipeline, image, options));
      } finally {
        pipeline.dispose();
      }
    }
  }
  return { machine: describeMachine(), image: basename(options.image), rows: [...rows, ...http], ...(memory ? { memory } : {}) };
}

function row(pipeline: { name: string; backend: string; precision: string; synthetic: boolean }, mode: BenchMode, shape: { concurrency: number; batch: number }, m: Measurement, peak: number | null): BenchRow {
  return {
    pipeline: pipeline.name,
    mode,
    backend: pipeline.backend,
    precision: pipeline.precision,
    concurrency: shape.concurrency,
    batch: shape.batch,
    ...percentiles(m.latencies),
    throughput_ips: round(((m.latencies.length * shape.batch) / m.wallMs) * 1000, 1),
    peak_rss_mb: peak,
    synthetic: pipeline.synthetic,
    samples: m.latencies.length,
  };
}

/** Decoding and pre-processing of the image, measured apart (no engine involved). */
async function cpuRows(name: string, stage: PreprocessServiceStage | undefined, image: Buffer, options: BenchOptions): Promise<BenchRow[]> {
  if (!stage) return [];
  options.progress(`${name}: decode and preprocess`);
  const who = { name, backend: '-', precision: '-', synthetic: false };
  const decoded = await decodeImage(image, undefined, stage.resize);
  const timing = { seconds: Math.min(options.seconds, 2), minIterations: options.minIterations, warmUp: 3, concurrency: 1 };
  const decode = await measure(async () => {
    await decodeImage(image, undefined, stage.resize);
  }, timing);
  const preprocess = await measure(async () => {
    await preprocessImage(decoded, stage);
  }, timing);
  return [row(who, 'decode', { concurrency: 1, batch: 1 }, decode, null), row(who, 'preprocess', { concurrency: 1, batch: 1 }, preprocess, null)];
}

async function rawRow(pipeline: RunnablePipeline, image: Buffer, batch: number, options: BenchOptions): Promise<BenchRow> {
  options.progress(`${pipeline.name}: raw ${pipeline.backend} ${pipeline.precision}, batch ${batch}`);
  const { tensor } = await pipeline.prepare(image);
  const input = new Float32Array(tensor.data.length * batch);
  for (let i = 0; i < batch; i++) input.set(tensor.data, i * tensor.data.length);
  const m = await measure(
    async () => {
      await pipeline.rawPredict(input, batch);
    },
    { seconds: options.seconds, minIterations: options.minIterations, warmUp: 3, concurrency: 1 },
  );
  return row(pipeline, 'raw', { concurrency: 1, batch }, m, peakRssMb());
}

async function classifyInProcess(pipeline: RunnablePipeline, image: Buffer): Promise<void> {
  const { tensor } = await pipeline.prepare(image);
  const { scores } = await pipeline.score([tensor]);
  topK(scores[0] ?? new Float32Array(), pipeline.labels, pipeline.topK);
}

async function runtimeRow(pipeline: RunnablePipeline, image: Buffer, options: BenchOptions): Promise<BenchRow> {
  options.progress(`${pipeline.name}: runtime ${pipeline.backend} ${pipeline.precision}`);
  const m = await measure(() => classifyInProcess(pipeline, image), {
    seconds: options.seconds,
    minIterations: options.minIterations,
    warmUp: 3,
    concurrency: 1,
  });
  return row(pipeline, 'runtime', { concurrency: 1, batch: 1 }, m, peakRssMb());
}

async function httpRows(packaged: { name: string; zip: Buffer }[], image: Buffer, options: BenchOptions): Promise<{ rows: BenchRow[]; memory?: MemorySoak }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'fpga-bench-'));
  options.progress('http: starting a local service host');
  const serveArgs = [
    '--engine',
    options.engine,
    ...(options.threads !== undefined ? ['--threads', String(options.threads)] : []),
    ...(options.calibration !== undefined ? ['--calibration', options.calibration] : []),
  ];
  const host = await findOrStartHost(stateDir, { cliPath: options.cliPath, modelStore: options.modelStore, serveArgs });
  const workspace = new LocalWorkspace(host, stateDir);
  const rows: BenchRow[] = [];
  let memory: MemorySoak | undefined;
  try {
    for (const { name, zip } of packaged) {
      options.progress(`${name}: deploying (the first load compiles and calibrates)`);
      const model = await workspace.registerModel(zip);
      const service = await healthy(workspace, await workspace.deployService(serviceName(name), model.id));
      const { primary } = await workspace.getKeys(service.name);
      const call = classifyCall(host, service, primary, image);
      for (const concurrency of options.concurrency) {
        options.progress(`${name}: http, concurrency ${concurrency}`);
        const m = await measure(call, { seconds: options.seconds, minIterations: Math.max(options.minIterations, 2 * concurrency), warmUp: concurrency, concurrency });
        rows.push(row(serviceFacts(name, service), 'http', { concurrency, batch: 1 }, m, peakRssOfProcessMb(host.pid) ?? null));
      }
      if (options.soak > 0 && !memory && service.precision === 'int8') memory = await soak(name, host.pid, call, options);
      await workspace.deleteService(service.name);
    }
  } finally {
    await stopHost(host);
    rmSync(stateDir, { recursive: true, force: true });
  }
  return { rows, ...(memory ? { memory } : {}) };
}

function classifyCall(host: HostFile, service: ServiceInfo, key: string, image: Buffer): () => Promise<void> {
  const client = new HostClient(host);
  const path = `/v2/models/${service.name}/classify`;
  return async () => {
    const response = await client.request(path, { method: 'POST', body: image, contentType: 'application/octet-stream', token: key });
    await response.arrayBuffer();
  };
}

/** The host's memory must stay flat once warm: RSS after a warm-up and after `soak` more requests. */
async function soak(pipeline: string, pid: number, call: () => Promise<void>, options: BenchOptions): Promise<MemorySoak> {
  options.progress(`${pipeline}: ${options.soak} requests for the memory check`);
  const warmUp = Math.min(500, options.soak);
  await measure(call, { seconds: 0, minIterations: warmUp, warmUp: 0, concurrency: SOAK_CONCURRENCY });
  const before = rssOfProcessMb(pid) ?? 0;
  await measure(call, { seconds: 0, minIterations: options.soak, warmUp: 0, concurrency: SOAK_CONCURRENCY });
  return { pipeline, requests: options.soak, rss_after_warmup_mb: before, rss_after_mb: rssOfProcessMb(pid) ?? 0 };
}

function serviceFacts(name: string, service: ServiceInfo): { name: string; backend: string; precision: string; synthetic: boolean } {
  return { name, backend: service.backend ?? 'unknown', precision: service.precision ?? 'unknown', synthetic: service.synthetic ?? false };
}

function serviceName(pipeline: string): string {
  return `${pipeline}-bench`;
}

async function healthy(workspace: LocalWorkspace, service: ServiceInfo): Promise<ServiceInfo> {
  let current = service;
  while (current.state === 'Transitioning') {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    current = await workspace.getService(service.name);
  }
  if (current.state !== 'Healthy') throw new UserError(`bench service ${current.name} is ${current.state}: ${current.error ?? ''}`);
  return current;
}
