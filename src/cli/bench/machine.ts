import { cpus, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { simdFlags } from '../../runtime/cpuFeatures';

export interface MachineInfo {
  cpu: string;
  /** The SIMD flags inference speed depends on (avx2, avx512f, avx512_vnni, avx_vnni, ...). */
  simd: string[];
  cores: number;
  memory_gb: number;
  os: string;
  node: string;
}

export function describeMachine(): MachineInfo {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown';
  return {
    cpu,
    simd: simdFlags(),
    cores: cpus().length,
    memory_gb: Math.round(totalmem() / 1024 ** 3),
    os: `${process.platform} ${process.arch}`,
    node: process.version,
  };
}

/** Peak resident memory of another process (Linux: VmHWM), in MB; undefined elsewhere. */
export function peakRssOfProcessMb(pid: number): number | undefined {
  return processMemoryMb(pid, 'VmHWM');
}

/** Resident memory of another process now (Linux: VmRSS), in MB; undefined elsewhere. */
export function rssOfProcessMb(pid: number): number | undefined {
  return processMemoryMb(pid, 'VmRSS');
}

function processMemoryMb(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident memory of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
