/**
 * Features by image content, kept in `~/.fpga/features/` (`FPGA_FEATURE_CACHE` or
 * `--feature-cache` moves it), beside the compiled-model cache. Each featurizer setup has a
 * folder named by its identity (featureExtractor.ts: featurizer, weights, precision, engine,
 * quantization, pre-processing), holding one file per image and augmentation variant:
 * `<image sha256>.<variant>.f32`, the raw float32 features. A second training run with more
 * epochs or more images computes only what is new; a changed featurizer or precision finds
 * an empty folder.
 *
 * Entries are written without fsync (to a temporary name, then renamed): a lost entry after
 * a crash is simply computed again, and a file of the wrong size is ignored.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { messageOf } from '../common/errors';

export const FEATURE_CACHE_ENV = 'FPGA_FEATURE_CACHE';

export function featureCacheFolder(explicit?: string): string {
  const chosen = [explicit, process.env[FEATURE_CACHE_ENV]].find((value) => value !== undefined && value.trim() !== '');
  return chosen ?? join(homedir(), '.fpga', 'features');
}

export class FeatureCache {
  private readonly folder: string;
  /** Why entries could not be written, once: the run goes on computing them every time. */
  unwritable: string | undefined;

  constructor(root: string, identity: string, private readonly featureSize: number) {
    this.folder = join(root, identity);
  }

  async get(imageSha256: string, variant: string): Promise<Float32Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file(imageSha256, variant));
    } catch {
      return undefined;
    }
    if (bytes.byteLength !== this.featureSize * 4) return undefined;
    const features = new Float32Array(this.featureSize);
    new Uint8Array(features.buffer).set(bytes);
    return features;
  }

  async put(imageSha256: string, variant: string, features: Float32Array): Promise<void> {
    if (this.unwritable !== undefined) return;
    const file = this.file(imageSha256, variant);
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(this.folder, { recursive: true });
      await writeFile(temporary, new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      this.unwritable = `features cannot be cached in ${this.folder} (${messageOf(error)}), so they are computed at every run`;
    }
  }

  private file(imageSha256: string, variant: string): string {
    return join(this.folder, `${imageSha256}.${variant}.f32`);
  }
}
