/**
 * Checks and imports of model store weights: `verify` (hashes, then whether the weights fit
 * the architecture) and `import` (a local model.json folder or official .h5 copied into the
 * store layout, checked before it is moved into place).
 *
 * The load check is the runtime's own loader (loadFeaturizer), so it accepts exactly what a
 * service would run, and refuses what a service would refuse, naming the layer. It builds the
 * model and fills it but runs no inference.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { UserError, messageOf } from '../../common/errors';
import { loadFeaturizer } from './index';
import { isMobilenet } from '../../pipeline/featurizers';
import { syncDirectory } from '../../common/atomicFile';
import { recordSha256Entries } from './pull';
import { FEATURIZER_PARAMETERS, catalogEntry, featurizerFolder, fileHashes, officialWeightFile, readSha256File, storeWeightSource } from './storeStatus';

export type HashCheck = 'ok' | 'mismatch' | 'unrecorded';

export interface VerifyResult {
  name: string;
  /** The weight file the runtime would use (model.json or the .h5). */
  source: string | null;
  /** ok: every recorded SHA-256 (or the official MD5) matches; unrecorded: nothing to compare with. */
  hash: HashCheck;
  hash_detail: string;
  load: 'ok' | 'failed' | 'skipped';
  load_detail: string;
  ok: boolean;
}

/** Hash and load checks of one featurizer's store weights. */
export async function verifyFeaturizer(store: string, name: string): Promise<VerifyResult> {
  const info = catalogEntry(name);
  const source = storeWeightSource(store, info.name);
  if (!source) {
    const folder = featurizerFolder(store, info.name);
    return { name: info.name, source: null, hash: 'unrecorded', hash_detail: 'no weight files', load: 'skipped', load_detail: `no weights in ${folder}`, ok: false };
  }
  const hash = await hashCheck(store, info.name, source);
  // A file with the wrong bytes is not worth building a 100M-parameter model for.
  const load = hash.hash === 'mismatch' ? { load: 'skipped' as const, load_detail: 'hash mismatch' } : await loadCheck(store, info.name);
  return { name: info.name, source: source.path, ...hash, ...load, ok: hash.hash !== 'mismatch' && load.load === 'ok' };
}

async function hashCheck(store: string, name: string, source: { kind: 'tfjs' | 'h5'; path: string }): Promise<{ hash: HashCheck; hash_detail: string }> {
  const folder = featurizerFolder(store, name);
  const recorded = (await readSha256File(folder)) ?? [];
  const checked: string[] = [];
  for (const entry of recorded) {
    const path = join(folder, entry.file);
    let actual: string;
    try {
      actual = (await fileHashes(path)).sha256;
    } catch {
      return { hash: 'mismatch', hash_detail: `${path} is recorded but missing` };
    }
    if (actual !== entry.sha256) return { hash: 'mismatch', hash_detail: `${path}: expected SHA-256 ${entry.sha256}, got ${actual}` };
    checked.push(entry.file);
  }
  const official = officialWeightFile(name);
  if (source.kind === 'h5' && official && !checked.includes(official.fileName)) {
    const md5 = (await fileHashes(source.path)).md5;
    if (md5 !== official.md5) return { hash: 'mismatch', hash_detail: `${source.path}: expected MD5 ${official.md5} (published by Keras), got ${md5}` };
    return { hash: 'ok', hash_detail: `MD5 of ${official.fileName} matches Keras's${checked.length > 0 ? `; SHA-256 of ${checked.length} recorded file(s) match` : ''}` };
  }
  if (checked.length === 0) return { hash: 'unrecorded', hash_detail: 'no recorded hashes (weights.sha256) to compare with' };
  return { hash: 'ok', hash_detail: `SHA-256 of ${checked.length} recorded file(s) match` };
}

/** Builds the featurizer from the store's weights, without running it. */
export async function loadCheck(store: string, name: string): Promise<{ load: 'ok' | 'failed'; load_detail: string }> {
  try {
    const featurizer = await loadFeaturizer(name, catalogEntry(name).versions[0] ?? '1', { modelStore: store, precision: 'fp32' });
    const { synthetic, parameters } = featurizer;
    featurizer.dispose();
    // The runtime falls back to generated weights when it does not take a file: that is a failure here.
    if (synthetic) return { load: 'failed', load_detail: 'the runtime did not use the weight file (it would run on generated weights)' };
    // MobileNet's topology comes from its model.json, so another width would load: its size tells.
    const expected = FEATURIZER_PARAMETERS[name];
    if (expected !== undefined && parameters !== expected) {
      return { load: 'failed', load_detail: `the model has ${parameters.toLocaleString('en-US')} parameters, ${name} has ${expected.toLocaleString('en-US')}: it is another model` };
    }
    return { load: 'ok', load_detail: `${parameters.toLocaleString('en-US')} parameters loaded` };
  } catch (error) {
    return { load: 'failed', load_detail: messageOf(error) };
  }
}

export interface ImportResult {
  name: string;
  folder: string;
  files: string[];
  kind: 'tfjs' | 'h5';
  /** For an .h5: whether it is byte for byte the file Keras publishes. */
  official_md5: boolean | null;
  parameters: string;
  /** Set when the imported file is not the one the runtime will use. */
  note?: string;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Copies weights into a staging store beside the real one (same file system, so the final
 * moves are renames), checks that they load, then moves them in: weight files first and
 * model.json (or the .h5, a single file) last, so that a crash half-way leaves files the
 * runtime does not look at rather than a model.json whose shards are missing.
 */
export async function importWeights(store: string, name: string, from: string): Promise<ImportResult> {
  const info = catalogEntry(name);
  const fromStat = await stat(from).catch(() => {
    throw new UserError(`nothing to import at ${from}`);
  });
  const modelJson = fromStat.isDirectory() ? join(from, 'model.json') : from.endsWith('.json') ? from : undefined;
  const official = officialWeightFile(info.name);
  let files: { from: string; name: string }[];
  let kind: 'tfjs' | 'h5';
  if (modelJson !== undefined) {
    kind = 'tfjs';
    files = [...(await manifestFiles(modelJson)).map((path) => ({ from: join(dirname(modelJson), path), name: path })), { from: modelJson, name: 'model.json' }];
  } else {
    if (isMobilenet(info.name) || !official) {
      throw new UserError(`${info.name} takes a TensorFlow.js folder (model.json and the weight files it lists), not ${from}`);
    }
    if (!(await startsWith(from, HDF5_SIGNATURE))) throw new UserError(`${from} is not an HDF5 file (no HDF5 signature); ${info.name} takes ${official.fileName} from ${official.url}`);
    kind = 'h5';
    files = [{ from, name: official.fileName }];
  }

  const folder = featurizerFolder(store, info.name);
  const staging = join(store, `.import-${info.name}-${randomBytes(4).toString('hex')}`);
  const stagedFolder = join(staging, relative(store, folder));
  try {
    await mkdir(stagedFolder, { recursive: true });
    for (const file of files) {
      await mkdir(dirname(join(stagedFolder, file.name)), { recursive: true });
      await copyFile(file.from, join(stagedFolder, file.name)).catch((error: unknown) => {
        throw new UserError(`cannot copy ${file.from}: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
      });
    }
    const load = await loadCheck(staging, info.name);
    if (load.load !== 'ok') throw new UserError(`${from} does not fit ${info.displayName}, nothing was imported: ${load.load_detail}`);
    const hashes = await Promise.all(files.map(async (file) => ({ file: file.name, ...(await fileHashes(join(stagedFolder, file.name))) })));
    await mkdir(folder, { recursive: true });
    for (const file of files) {
      await mkdir(dirname(join(folder, file.name)), { recursive: true });
      await rename(join(stagedFolder, file.name), join(folder, file.name));
    }
    await syncDirectory(folder);
    await recordSha256Entries(folder, hashes.map((h) => ({ file: h.file, sha256: h.sha256 })));
    const result: ImportResult = {
      name: info.name,
      folder,
      files: files.map((file) => file.name),
      kind,
      official_md5: kind === 'h5' && official ? hashes[0]?.md5 === official.md5 : null,
      parameters: load.load_detail,
    };
    const used = storeWeightSource(store, info.name);
    if (kind === 'h5' && used?.kind === 'tfjs') result.note = `${used.path} takes precedence over the .h5: remove it to run the imported file`;
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The weight files a model.json lists, refusing paths that leave its folder. */
async function manifestFiles(modelJson: string): Promise<string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(modelJson, 'utf8'));
  } catch (error) {
    throw new UserError(`cannot read ${modelJson}: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
  }
  const manifest = (parsed as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(manifest)) throw new UserError(`${modelJson} has no weightsManifest: it is not a TensorFlow.js model`);
  const paths = manifest.flatMap((group: unknown) => ((group as { paths?: unknown }).paths as unknown[] | undefined) ?? []);
  for (const path of paths) {
    if (typeof path !== 'string' || path.startsWith('/') || path.split(/[\\/]/).includes('..')) throw new UserError(`${modelJson} lists a weight file outside its folder: ${String(path)}`);
  }
  return [...new Set(paths as string[])];
}

async function startsWith(path: string, signature: Buffer): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(signature.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.equals(signature);
  } finally {
    await handle.close();
  }
}
