/**
 * `fpga bench`: latency and throughput of the example pipelines in three modes —
 * `raw` (the models alone on their engine, in process), `runtime` (the whole pipeline in
 * process, from JPEG bytes to top-k) and `http` (end to end through a local service host
 * in its own process, at several concurrencies).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../common/errors';
import { readModelDef } from '../../pipeline/modelDefReader';
import { packagePipeline } from '../../pipeline/packager';
import { loadPipeline } from '../../runtime/loadPipeline';
import type { RunnablePipeline } from '../../runtime/loadPipeline';
import { topK } from '../../runtime/topK';
import { HostClient } from '../../workspaces/local/hostClient';
import { findOrStartHost, stopHost } from '../../workspaces/local/hostLauncher';
import type { HostFile } from '../../workspaces/local/hostFile';
import { LocalWorkspace } from '../../workspaces/local/localWorkspace';
import type { ServiceInfo } from '../../workspaces/workspace';
import { describeMachine, peakRssMb, peakRssOfProcessMb } from './machine';
import type { MachineInfo } from './machine';
import { measure } from './measure';
import type { Measurement } from './measure';
import { percentiles, round } from './stats';
import type { LatencyStats } from './stats';

export type BenchMode = 'raw' | 'runtime' | 'http';

export interface BenchRow extends LatencyStats {
  pipeline: string;
  mode: BenchMode;
  backend: string;
  precision: string;
  concurrency: number;
  throughput_ips: number;
  peak_rss_mb: number | null;
  synthetic: boolean;
  samples: number;
}

export interface MemorySoak {
  pipeline: string;
  requests: number;
  tensors_before: number;
  tensors_after: number;
  rss_before_mb: number;
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
  seconds: number;
  minIterations: number;
  concurrency: number[];
  soak: number;
  /** Progress lines for the terminal (stderr), never part of the report. */
  progress: (line: string) => void;
}

const POLL_MS = 250;

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const image = readFileSync(options.image);
  const zips = new Map<string, Buffer>();
  for (const path of options.pipelines) {
    const { zip, serviceDef } = await packagePipeline(path);
    zips.set(serviceDef.name, zip);
  }
  // HTTP first, while this process is still lean: the in-process rows load models here
  // and would compete with the host for the same two cores' caches and the GC.
  const http = await httpRows(zips, image, options);
  const rows: BenchRow[] = [];
  let memory: MemorySoak | undefined;
  for (const [name, zip] of zips) {
    options.progress(`${name}: loading`);
    const pipeline = await loadPipeline(readModelDef(zip), { modelStore: options.modelStore });
    try {
      rows.push(await rawRow(pipeline, image, options));
      rows.push(await runtimeRow(pipeline, image, options));
      if (options.soak > 0 && !memory) memory = await soak(pipeline, image, options);
    } finally {
      pipeline.dispose();
    }
  }
  return { machine: describeMachine(), image: basename(options.image), rows: [...rows, ...http], memory };
}

function row(pipeline: RunnablePipeline, mode: BenchMode, concurrency: number, m: Measurement, peak: number | null): BenchRow {
  return {
    pipeline: pipeline.name,
    mode,
    backend: pipeline.backend,
    precision: pipeline.precision,
    concurrency,
    ...percentiles(m.latencies),
    throughput_ips: round((m.latencies.length / m.wallMs) * 1000, 1),
    peak_rss_mb: peak,
    synthetic: pipeline.synthetic,
    samples: m.latencies.length,
  };
}

async function rawRow(pipeline: RunnablePipeline, image: Buffer, options: BenchOptions): Promise<BenchRow> {
  options.progress(`${pipeline.name}: raw`);
  const { tensor } = await pipeline.prepare(image);
  const input = tf.tensor(tensor.data, [1, ...tensor.shape]);
  try {
    const m = await measure(
      () => {
        const output = pipeline.rawPredict(input);
        output.dataSync();
        output.dispose();
      },
      { seconds: options.seconds, minIterations: options.minIterations, warmUp: 3, concurrency: 1 },
    );
    return row(pipeline, 'raw', 1, m, peakRssMb());
  } finally {
    input.dispose();
  }
}

async function classifyInProcess(pipeline: RunnablePipeline, image: Buffer): Promise<void> {
  const { tensor } = await pipeline.prepare(image);
  const { scores } = await pipeline.score([tensor]);
  topK(scores[0] ?? new Float32Array(), pipeline.labels, pipeline.topK);
}

async function runtimeRow(pipeline: RunnablePipeline, image: Buffer, options: BenchOptions): Promise<BenchRow> {
  options.progress(`${pipeline.name}: runtime`);
  const m = await measure(() => classifyInProcess(pipeline, image), {
    seconds: options.seconds,
    minIterations: options.minIterations,
    warmUp: 3,
    concurrency: 1,
  });
  return row(pipeline, 'runtime', 1, m, peakRssMb());
}

/** Memory stays flat when every request frees its tensors: count them and RSS around many requests. */
async function soak(pipeline: RunnablePipeline, image: Buffer, options: BenchOptions): Promise<MemorySoak> {
  options.progress(`${pipeline.name}: ${options.soak} requests for the memory check`);
  await classifyInProcess(pipeline, image);
  const tensorsBefore = tf.memory().numTensors;
  const rssBefore = process.memoryUsage().rss;
  for (let i = 0; i < options.soak; i++) await classifyInProcess(pipeline, image);
  return {
    pipeline: pipeline.name,
    requests: options.soak,
    tensors_before: tensorsBefore,
    tensors_after: tf.memory().numTensors,
    rss_before_mb: Math.round(rssBefore / 1024 / 1024),
    rss_after_mb: Math.round(process.memoryUsage().rss / 1024 / 1024),
  };
}

async function httpRows(zips: Map<string, Buffer>, image: Buffer, options: BenchOptions): Promise<BenchRow[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'fpga-bench-'));
  options.progress('http: starting a local service host');
  const host = await findOrStartHost(stateDir, { cliPath: options.cliPath, modelStore: options.modelStore });
  const workspace = new LocalWorkspace(host);
  const rows: BenchRow[] = [];
  try {
    for (const [name, zip] of zips) {
      const model = await workspace.registerModel(zip);
      const service = await healthy(workspace, await workspace.deployService(serviceName(name), model.id));
      const { primary } = await workspace.getKeys(service.name);
      for (const concurrency of options.concurrency) {
        options.progress(`${name}: http, concurrency ${concurrency}`);
        rows.push(await httpRow(host, name, service, primary, image, concurrency, options));
      }
      await workspace.deleteService(service.name);
    }
  } finally {
    await stopHost(host);
    rmSync(stateDir, { recursive: true, force: true });
  }
  return rows;
}

async function httpRow(host: HostFile, pipeline: string, service: ServiceInfo, key: string, image: Buffer, concurrency: number, options: BenchOptions): Promise<BenchRow> {
  const client = new HostClient(host);
  const path = `/v2/models/${service.name}/classify`;
  const call = async (): Promise<void> => {
    const response = await client.request(path, { method: 'POST', body: image, contentType: 'application/octet-stream', token: key });
    await response.arrayBuffer();
  };
  const m = await measure(call, { seconds: options.seconds, minIterations: Math.max(options.minIterations, 2 * concurrency), warmUp: concurrency, concurrency });
  const stats = percentiles(m.latencies);
  return {
    pipeline,
    mode: 'http',
    backend: service.backend ?? 'unknown',
    precision: service.precision ?? 'unknown',
    concurrency,
    ...stats,
    throughput_ips: round((m.latencies.length / m.wallMs) * 1000, 1),
    peak_rss_mb: peakRssOfProcessMb(host.pid) ?? null,
    synthetic: service.synthetic ?? false,
    samples: m.latencies.length,
  };
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
