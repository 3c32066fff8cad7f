/**
 * Compiled ONNX models, kept by content hash in `~/.fpga/compiled/` (beside the default
 * model store; `FPGA_COMPILE_CACHE` or `--compile-cache` moves it). Not inside the store
 * itself: stores are often shared or read-only, and the hash makes the place irrelevant to
 * correctness. The key covers everything the bytes depend on (converter version,
 * architecture, the weights' own hashes or generated seed, precision, quantization scheme and
 * calibration images), so a cached file is reused across restarts and any changed input
 * simply misses. A store the user cannot write to still works: the model is compiled in
 * memory every time and the stage's note says why.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomicFile';
import { fileDigest, sha256Hex } from '../../common/hash';
import { messageOf } from '../../common/errors';
import { stableStringify } from '../../common/stableJson';

export const COMPILE_CACHE_ENV = 'FPGA_COMPILE_CACHE';

export function compileCacheFolder(explicit?: string): string {
  const chosen = [explicit, process.env[COMPILE_CACHE_ENV]].find((value) => value !== undefined && value.trim() !== '');
  return chosen ?? join(homedir(), '.fpga', 'compiled');
}

/** Named parts of one compilation (e.g. featurizer and classifier), each an ONNX model. */
export type CompiledParts = Readonly<Record<string, Uint8Array>>;

export interface CacheOutcome {
  parts: CompiledParts;
  /** The key's hash: the files are `<key>.<part>.onnx`. */
  key: string;
  hit: boolean;
  /** Why nothing was written, when the folder could not take the files. */
  unwritable?: string;
}

/** The key of a compilation: SHA-256 of its inputs as canonical JSON. */
export function cacheKey(inputs: Readonly<Record<string, unknown>>): string {
  return sha256Hex(Buffer.from(stableStringify(inputs)));
}

/** SHA-256 of each file's bytes, in order: what weights from the store are identified by. */
export async function filesIdentity(paths: readonly string[]): Promise<string[]> {
  const digests: string[] = [];
  for (const path of paths) digests.push((await fileDigest(path)).sha256);
  return digests;
}

export async function cachedCompile(folder: string, key: string, partNames: readonly string[], compile: () => Promise<CompiledParts>): Promise<CacheOutcome> {
  const files = partNames.map((part) => join(folder, `${key}.${part}.onnx`));
  const cached = await readAll(files);
  if (cached) return { key, hit: true, parts: Object.fromEntries(partNames.map((part, i) => [part, cached[i] as Uint8Array])) };
  const parts = await compile();
  try {
    await mkdir(folder, { recursive: true });
    // The last part is written last: readers only trust a set whose every file exists.
    for (const [i, part] of partNames.entries()) {
      const bytes = parts[part];
      if (!bytes) throw new Error(`compilation gave no "${part}" model`);
      await writeFileAtomic(files[i] as string, bytes, 0o644);
    }
    return { key, hit: false, parts };
  } catch (error) {
    return { key, hit: false, parts, unwritable: `the compiled model could not be cached in ${folder} (${messageOf(error)}), so it is compiled again at every load` };
  }
}

async function readAll(files: readonly string[]): Promise<Uint8Array[] | undefined> {
  try {
    return await Promise.all(files.map((file) => readFile(file)));
  } catch {
    return undefined;
  }
}
