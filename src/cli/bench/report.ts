/** The benchmark as a markdown table, with the ratios README quotes (all from the same run). */
import type { BenchReport, BenchRow } from './runBench';

export function markdownReport(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `Machine: ${m.cpu} (${m.simd.join(', ') || 'no AVX flags'}), ${m.cores} cores, ${m.memory_gb} GB, ${m.os}, Node ${m.node}. Image: ${report.image}.`,
    '',
    '| pipeline | mode | engine | precision | batch | concurrency | p50 ms | p90 ms | p99 ms | images/s | peak RSS MB |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.rows.map(
      (r) =>
        `| ${r.pipeline}${r.synthetic ? ' (synthetic weights)' : ''} | ${r.mode} | ${r.backend} | ${r.precision} | ${r.batch} | ${r.concurrency} | ${r.p50_ms} | ${r.p90_ms} | ${r.p99_ms} | ${r.throughput_ips} | ${r.peak_rss_mb ?? '—'} |`,
    ),
    '',
    ...ratios(report.rows),
  ];
  if (report.memory) {
    const s = report.memory;
    lines.push(`Host memory over ${s.requests} HTTP requests (${s.pipeline}): RSS ${s.rss_after_warmup_mb} MB after warm-up → ${s.rss_after_mb} MB after.`);
  }
  return lines.join('\n') + '\n';
}

/** Per pipeline: ONNX Runtime vs TensorFlow.js, int8 vs fp32, HTTP vs raw, HTTP batching vs the engine's batch 8. */
export function ratios(rows: readonly BenchRow[]): string[] {
  const pipelines = [...new Set(rows.filter((r) => r.mode === 'raw').map((r) => r.pipeline))];
  return pipelines.flatMap((pipeline) => {
    const find = (mode: string, engine: (backend: string) => boolean, precision: string, batch: number, concurrency = 1, name = pipeline): BenchRow | undefined =>
      rows.find((r) => r.pipeline === name && r.mode === mode && engine(r.backend) && r.precision === precision && r.batch === batch && r.concurrency === concurrency);
    const onnx = (backend: string): boolean => backend === 'onnxruntime';
    const tfjs = (backend: string): boolean => backend.startsWith('tfjs');
    const tfjsRaw = find('raw', tfjs, 'fp32', 1);
    const fp32Raw = find('raw', onnx, 'fp32', 1);
    const int8Raw = find('raw', onnx, 'int8', 1);
    const int8Batch = find('raw', onnx, 'int8', 8);
    const int8Runtime = find('runtime', onnx, 'int8', 1);
    const int8Http1 = find('http', onnx, 'int8', 1, 1, `${pipeline}-int8`);
    const int8Http8 = find('http', onnx, 'int8', 1, 8, `${pipeline}-int8`);
    const lines: string[] = [];
    if (tfjsRaw && fp32Raw) lines.push(`${pipeline}: ONNX Runtime fp32 raw is ${(tfjsRaw.p50_ms / fp32Raw.p50_ms).toFixed(1)}× faster than TensorFlow.js (${fp32Raw.p50_ms} vs ${tfjsRaw.p50_ms} ms p50).`);
    if (fp32Raw && int8Raw) lines.push(`${pipeline}: int8 raw is ${(fp32Raw.p50_ms / int8Raw.p50_ms).toFixed(2)}× faster than fp32 (${int8Raw.p50_ms} vs ${fp32Raw.p50_ms} ms p50).`);
    if (int8Raw && int8Http1) lines.push(`${pipeline}: int8 end to end over HTTP at concurrency 1 is ${(int8Http1.p50_ms / int8Raw.p50_ms).toFixed(2)}× its raw p50 (${int8Http1.p50_ms} vs ${int8Raw.p50_ms} ms).`);
    if (int8Runtime && int8Http1) lines.push(`${pipeline}: int8 over HTTP at concurrency 1 is ${(int8Http1.p50_ms / int8Runtime.p50_ms).toFixed(2)}× the same work in process (JPEG decode included: ${int8Http1.p50_ms} vs ${int8Runtime.p50_ms} ms).`);
    if (int8Batch && int8Http8) lines.push(`${pipeline}: int8 over HTTP with 8 clients gives ${(int8Http8.throughput_ips / int8Batch.throughput_ips).toFixed(2)}× the engine's batch-8 throughput (${int8Http8.throughput_ips} vs ${int8Batch.throughput_ips} images/s).`);
    return lines;
  });
}
