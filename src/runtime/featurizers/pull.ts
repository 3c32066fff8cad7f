/**
 * Downloads a featurizer's official weight file into the model store: resumable (the bytes
 * received so far stay in `<file>.partial` and the next request asks for the rest with a
 * Range header), verified against the hash the catalog holds, and renamed into place only
 * once verified, so the store never holds a half-written or unverified weight file.
 *
 * Hashes: Keras publishes an MD5 per weight file (its `get_file(file_hash=…)`), not a
 * SHA-256, so a first download can only be checked against that MD5 (or against a SHA-256
 * where a catalog entry carries one). Once a file has passed, its SHA-256 is recorded in
 * `<folder>/weights.sha256` and `fpga featurizers verify` checks that from then on.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm, rmdir, stat } from 'node:fs/promises';
import type { ClientRequest, IncomingMessage } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import { basename, dirname, join } from 'node:path';
import { syncDirectory, writeFileAtomic } from '../../common/atomicFile';
import { UserError, messageOf } from '../../common/errors';
import { formatBytes } from '../../common/formatBytes';
import { storeHint } from '../modelStore';
import { isMobilenet } from '../../pipeline/featurizers';
import type { KerasWeightFile } from './kerasWeightFiles';
import { SHA256_FILE, catalogEntry, featurizerFolder, fileHashes, formatSha256File, officialWeightFile, readSha256File } from './storeStatus';

/** Replaces the official download location's folder (tests, mirrors): `<base>/<file name>`. */
export const WEIGHTS_BASE_URL_ENV = 'FPGA_WEIGHTS_BASE_URL';

/** Suffix of an unfinished download beside its final name. */
export const PARTIAL_SUFFIX = '.partial';

/** Where Google publishes the TensorFlow.js MobileNet v1 folders (model.json + shards). */
const TFJS_MOBILENET_BASE = 'https://storage.googleapis.com/tfjs-models/tfjs';

export interface DownloadProgress {
  /** The final file's name. */
  file: string;
  /** Bytes of the file on disk so far, resumed bytes included. */
  received: number;
  /** Size of the whole file, where the server says it. */
  total: number | undefined;
  /** Bytes this run had when it started (a resumed .partial), for a fair rate. */
  resumedFrom: number;
  /** Milliseconds since this run started. */
  elapsedMs: number;
}

export type ProgressCallback = (progress: DownloadProgress) => void;

export interface ExpectedHash {
  md5?: string;
  sha256?: string;
  size?: number;
}

export interface DownloadOptions {
  url: string;
  /** The final path; the download goes to `<destination>.partial` until verified. */
  destination: string;
  expected: ExpectedHash;
  onProgress?: ProgressCallback;
  /** Time allowed to reach the server (DNS and TCP connect); 10 s by default. */
  connectTimeoutMs?: number;
  /** Time allowed without a byte once connected; 60 s by default. */
  stallTimeoutMs?: number;
  /** Extra attempts, each resuming, after a connection breaks mid-file; 3 by default. */
  retries?: number;
  /** What to tell a user who cannot reach the server, e.g. which file to place where. */
  offlineMessage?: (reason: string) => string;
}

export interface DownloadResult {
  path: string;
  size: number;
  md5: string;
  sha256: string;
  /** Bytes that were already there from an earlier, interrupted run (0 when none). */
  resumedFrom: number;
}

/** Errors of reaching a server at all: no DNS, no route, nobody listening, connect timeout. */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'ECONNECT_TIMEOUT']);

class DownloadError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Downloads `url` to `destination` through `<destination>.partial`, resuming and verifying. */
export async function downloadVerified(options: DownloadOptions): Promise<DownloadResult> {
  const partial = options.destination + PARTIAL_SUFFIX;
  const file = basename(options.destination);
  await mkdir(dirname(options.destination), { recursive: true });
  const resumedFrom = await sizeOf(partial);
  const started = Date.now();
  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetchInto(options, partial, file, resumedFrom, started);
      break;
    } catch (error) {
      if (error instanceof DownloadError && UNREACHABLE.has(error.code)) {
        // Nothing to resume from a server that cannot be reached: fail fast with the way out.
        const reason = `${error.code === 'ECONNECT_TIMEOUT' ? 'no connection' : error.code} to ${new URL(options.url).host}`;
        throw new UserError(options.offlineMessage ? options.offlineMessage(reason) : `cannot download ${options.url} (offline? ${reason})`);
      }
      if (error instanceof UserError) throw error;
      if (attempt >= retries) {
        const kept = await sizeOf(partial);
        throw new UserError(
          `download of ${file} from ${options.url} broke off after ${formatBytes(kept)} (${messageOf(error)}); run the same command again to resume from ${partial}`,
        );
      }
    }
  }
  const hashes = await fileHashes(partial);
  const mismatch = hashMismatch(options.expected, hashes);
  if (mismatch) {
    await rm(partial, { force: true });
    throw new UserError(`${file} from ${options.url} is not the published file: ${mismatch}; the download was deleted`);
  }
  await rename(partial, options.destination);
  await syncDirectory(dirname(options.destination));
  return { path: options.destination, ...hashes, resumedFrom };
}

/** One request: appends to the .partial on 206, restarts it on 200; throws when cut short. */
async function fetchInto(options: DownloadOptions, partial: string, file: string, resumedFrom: number, started: number): Promise<void> {
  const have = await sizeOf(partial);
  const headers: Record<string, string> = { 'user-agent': 'fpga-model-services', 'accept-encoding': 'identity' };
  if (have > 0) headers.range = `bytes=${have}-`;
  const response = await get(options.url, headers, options.connectTimeoutMs ?? 10_000, options.stallTimeoutMs ?? 60_000);
  let offset: number;
  if (response.statusCode === 206) {
    const start = /^bytes (\d+)-/.exec(response.headers['content-range'] ?? '')?.[1];
    if (Number(start) !== have) {
      response.resume();
      throw new Error(`the server resumed at byte ${start ?? '?'} instead of ${have}`);
    }
    offset = have;
  } else if (response.statusCode === 200) {
    // A server that ignores Range sends the whole file again: start over.
    offset = 0;
  } else if (response.statusCode === 416 && have > 0) {
    // The .partial is not a prefix the server can continue (e.g. the file changed): start over.
    response.resume();
    await rm(partial, { force: true });
    throw new Error('the server cannot continue the earlier download');
  } else {
    response.resume();
    throw new UserError(`cannot download ${file}: ${options.url} answered HTTP ${response.statusCode ?? '?'}`);
  }
  const length = Number(response.headers['content-length']);
  const total = Number.isFinite(length) && response.headers['content-length'] !== undefined ? offset + length : undefined;
  const handle = await open(partial, offset === 0 ? 'w' : 'a');
  let received = offset;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      await handle.write(chunk);
      received += chunk.length;
      options.onProgress?.({ file, received, total, resumedFrom, elapsedMs: Date.now() - started });
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  // A cut connection may end the body quietly; the length tells.
  if (total !== undefined && received < total) throw new Error(`connection closed at ${received} of ${total} bytes`);
}

/** GET following redirects; the connect timeout covers DNS and TCP, the stall timeout the rest. */
async function get(url: string, headers: Record<string, string>, connectTimeoutMs: number, stallTimeoutMs: number, redirects = 5): Promise<IncomingMessage> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new UserError(`cannot download ${url}: only http and https URLs are supported`);
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    // A fresh socket per request (no keep-alive agent), so the connect timer always sees a connect.
    const request: ClientRequest = (target.protocol === 'https:' ? https : http).get(target, { headers, agent: false });
    const connectTimer = setTimeout(() => request.destroy(new DownloadError(`no connection within ${connectTimeoutMs} ms`, 'ECONNECT_TIMEOUT')), connectTimeoutMs);
    request.on('socket', (socket) => {
      socket.once('connect', () => {
        clearTimeout(connectTimer);
        request.setTimeout(stallTimeoutMs, () => request.destroy(new Error(`no data for ${stallTimeoutMs / 1000} s`)));
      });
    });
    request.on('response', (message) => {
      clearTimeout(connectTimer);
      resolve(message);
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      reject(error instanceof DownloadError ? error : new DownloadError(error.message, error.code ?? 'EUNKNOWN'));
    });
  });
  const location = response.headers.location;
  if (response.statusCode !== undefined && [301, 302, 303, 307, 308].includes(response.statusCode) && location) {
    response.resume();
    if (redirects === 0) throw new UserError(`cannot download ${url}: too many redirects`);
    return get(new URL(location, target).toString(), headers, connectTimeoutMs, stallTimeoutMs, redirects - 1);
  }
  return response;
}

function hashMismatch(expected: ExpectedHash, actual: { size: number; md5: string; sha256: string }): string | undefined {
  if (expected.sha256 !== undefined && expected.sha256.toLowerCase() !== actual.sha256) return `expected SHA-256 ${expected.sha256.toLowerCase()}, got ${actual.sha256}`;
  if (expected.md5 !== undefined && expected.md5.toLowerCase() !== actual.md5) return `expected MD5 ${expected.md5.toLowerCase()}, got ${actual.md5}`;
  if (expected.size !== undefined && expected.size !== actual.size) return `expected ${expected.size} bytes, got ${actual.size}`;
  return undefined;
}

export interface PullOptions {
  store: string;
  /** Folder URL to download from instead of the official one; else $FPGA_WEIGHTS_BASE_URL. */
  baseUrl?: string;
  onProgress?: ProgressCallback;
  connectTimeoutMs?: number;
  retries?: number;
}

export interface PullResult {
  name: string;
  file: string;
  url: string;
  /** downloaded: fetched now; present: the store already had the verified file. */
  status: 'downloaded' | 'present';
  size: number;
  sha256: string;
  md5: string;
  resumed_from: number;
}

/** The catalog's expected hash: a SHA-256 where an entry carries one, else Keras's MD5. */
export function catalogHash(entry: KerasWeightFile): ExpectedHash {
  const sha256 = (entry as KerasWeightFile & { sha256?: string }).sha256;
  return {
    ...(sha256 !== undefined ? { sha256 } : { md5: entry.md5 }),
    ...(entry.sizeBytes !== undefined ? { size: entry.sizeBytes } : {}),
  };
}

/** The official weight file of `name` into `<store>/<name>/`, verified; see the file comment. */
export async function pullFeaturizer(name: string, options: PullOptions): Promise<PullResult> {
  const info = catalogEntry(name);
  const entry = officialWeightFile(info.name);
  if (!entry) {
    if (isMobilenet(info.name)) {
      const folderName = basename(featurizerFolder(options.store, info.name));
      throw new UserError(
        `${info.name} has no single weight file to pull: Google publishes it as a TensorFlow.js folder (model.json and the group*-shard* files it lists) at ${TFJS_MOBILENET_BASE}/${folderName}/; download that folder and run "fpga featurizers import ${info.name} <folder>"`,
      );
    }
    throw new UserError(`${info.name} has no published weight file to pull`);
  }
  const folder = featurizerFolder(options.store, info.name);
  const destination = join(folder, entry.fileName);
  const base = options.baseUrl ?? process.env[WEIGHTS_BASE_URL_ENV];
  const url = base !== undefined && base.trim() !== '' ? `${base.trim().replace(/\/+$/, '')}/${entry.fileName}` : entry.url;
  const expected = catalogHash(entry);

  const existing = await sizeOf(destination);
  if (existing > 0) {
    const recorded = (await readSha256File(folder))?.find((line) => line.file === entry.fileName)?.sha256;
    const hashes = await fileHashes(destination);
    const wanted: ExpectedHash = recorded !== undefined ? { sha256: recorded } : expected;
    if (!hashMismatch(wanted, hashes)) {
      if (recorded === undefined) await recordSha256(folder, entry.fileName, hashes.sha256);
      return { name: info.name, file: destination, url, status: 'present', size: hashes.size, sha256: hashes.sha256, md5: hashes.md5, resumed_from: 0 };
    }
    // A damaged file is replaced: the verified download is renamed over it.
  }

  const hadFolder = existsSync(folder);
  const result = await downloadVerified({
    url,
    destination,
    expected,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    offlineMessage: (reason) => `cannot download ${info.name} weights (offline? ${reason}): place ${entry.fileName} from ${entry.url} in ${folder}/; ${storeHint()}`,
  }).catch(async (error: unknown) => {
    // A folder made only for this download goes again (rmdir refuses one holding a .partial).
    if (!hadFolder) await rmdir(folder).catch(() => undefined);
    throw error;
  });
  await recordSha256(folder, entry.fileName, result.sha256);
  return { name: info.name, file: destination, url, status: 'downloaded', size: result.size, sha256: result.sha256, md5: result.md5, resumed_from: result.resumedFrom };
}

/** Sets one file's line of `<folder>/weights.sha256`, keeping the others. */
export async function recordSha256(folder: string, file: string, sha256: string): Promise<void> {
  await recordSha256Entries(folder, [{ file, sha256 }]);
}

/** Sets several files' lines of `<folder>/weights.sha256` in one atomic write. */
export async function recordSha256Entries(folder: string, recorded: readonly { file: string; sha256: string }[]): Promise<void> {
  const names = new Set(recorded.map((entry) => entry.file));
  const entries = ((await readSha256File(folder)) ?? []).filter((entry) => !names.has(entry.file));
  await writeFileAtomic(join(folder, SHA256_FILE), formatSha256File([...entries, ...recorded]), 0o644);
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
