/** The benchmark as a markdown table, with the http/raw ratio the README quotes. */
import type { BenchReport, BenchRow } from './runBench';

export function markdownReport(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB, ${m.os}, Node ${m.node}. Image: ${report.image}.`,
    '',
    '| pipeline | mode | backend | precision | concurrency | p50 ms | p90 ms | p99 ms | images/s | peak RSS MB |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.rows.map(
      (r) =>
        `| ${r.pipeline}${r.synthetic ? ' (synthetic weights)' : ''} | ${r.mode} | ${r.backend} | ${r.precision} | ${r.concurrency} | ${r.p50_ms} | ${r.p90_ms} | ${r.p99_ms} | ${r.throughput_ips} | ${r.peak_rss_mb ?? '—'} |`,
    ),
    '',
    ...ratios(report.rows),
  ];
  if (report.memory) {
    const s = report.memory;
    lines.push(
      `Memory over ${s.requests} in-process requests (${s.pipeline}): tensors ${s.tensors_before} → ${s.tensors_after}, RSS ${s.rss_before_mb} → ${s.rss_after_mb} MB.`,
    );
  }
  return lines.join('\n') + '\n';
}

function ratios(rows: BenchRow[]): string[] {
  const pipelines = [...new Set(rows.map((r) => r.pipeline))];
  return pipelines.flatMap((pipeline) => {
    const raw = rows.find((r) => r.pipeline === pipeline && r.mode === 'raw');
    const http = rows.find((r) => r.pipeline === pipeline && r.mode === 'http' && r.concurrency === 1);
    if (!raw || !http) return [];
    return [`${pipeline}: http/raw p50 at concurrency 1 = ${(http.p50_ms / raw.p50_ms).toFixed(2)} (${http.p50_ms} ms / ${raw.p50_ms} ms).`];
  });
}
