/**
 * What the CPU offers that inference speed depends on: int8 kernels need VNNI to avoid
 * saturating 16-bit sums, fp32 kernels go twice as wide with AVX-512. Read from
 * /proc/cpuinfo (Linux); elsewhere the list is empty and callers take the safe choice.
 */
import { readFileSync } from 'node:fs';

/** The flags benchmarks and quantization care about, in this order. */
export const SIMD_FLAGS = ['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512_vnni', 'avx_vnni', 'amx_int8'] as const;

let cached: string[] | undefined;

export function cpuFlags(): string[] {
  if (cached) return cached;
  try {
    const line = /^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    cached = line?.[1]?.trim().split(/\s+/) ?? [];
  } catch {
    cached = [];
  }
  return cached;
}

/** The SIMD_FLAGS this CPU has. */
export function simdFlags(): string[] {
  const flags = new Set(cpuFlags());
  return SIMD_FLAGS.filter((flag) => flags.has(flag));
}
