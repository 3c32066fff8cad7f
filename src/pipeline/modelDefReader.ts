/**
 * The verifying reader of `model_def.zip`. An archive is accepted only if it is exactly
 * what the packager writes: safe relative names, no links, no encryption, sizes within
 * limits, every byte matching its CRC-32 and its SHA-256 in `manifest.json`, and a
 * `service_def.json` of the shape in serviceDef.ts whose referenced files are present.
 * Every refusal is a ModelDefError naming the entry (or JSON field) at fault.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { UserError } from '../common/errors';
import { sha256Hex } from '../common/hash';
import type { Manifest, ManifestEntry, ServiceDef } from './serviceDef';
import { MANIFEST_ENTRY, MANIFEST_FORMAT, SERVICE_DEF_ENTRY } from './serviceDef';
import type { ZipEntry } from './zipDirectory';
import {
  METHOD_DEFLATE,
  METHOD_STORED,
  ZipFormatError,
  extractEntry,
  quoteEntry,
  readZipDirectory,
  unsupportedMethodText,
} from './zipDirectory';

export interface ZipLimits {
  maxEntries: number;
  /** Largest uncompressed size of one entry, declared or actual. */
  maxEntryBytes: number;
  /** Largest uncompressed size of all entries together (and of the zip file itself). */
  maxTotalBytes: number;
  /**
   * Largest uncompressed:compressed ratio, of every entry and of the archive as a whole,
   * beyond RATIO_ALLOWANCE_BYTES.
   */
  maxCompressionRatio: number;
}

const GiB = 1024 ** 3;

/**
 * Generous for real models (a service_def.json, a manifest, labels and a few stage files:
 * tens of entries; weights are a few shards of at most hundreds of MiB and compress to about
 * 1.1:1), tight enough that a hostile archive of any shape is refused from its central
 * directory, in milliseconds, before anything is inflated.
 */
export const DEFAULT_ZIP_LIMITS: ZipLimits = Object.freeze({
  maxEntries: 1_000,
  maxEntryBytes: 2 * GiB,
  maxTotalBytes: 4 * GiB,
  maxCompressionRatio: 200,
});

/**
 * How far beyond the ratio limit an entry, and the archive as a whole, may go. Small text
 * files legitimately compress far beyond 200:1 (a JSON file of repeated keys, a padded
 * labels file), and so little cannot hurt. Because the archive's total has the same single
 * allowance, a bomb of many entries that each stay within it (thousands of 1 MiB entries of
 * zeros, ~1 KiB compressed each) is refused as well as one huge entry.
 */
const RATIO_ALLOWANCE_BYTES = 1024 * 1024;

export class ModelDefError extends UserError {
  override readonly name: string = 'ModelDefError';
  constructor(
    message: string,
    /** The zip entry at fault, when one is. */
    readonly entry?: string,
  ) {
    super(message);
  }
}

export interface ModelDef {
  serviceDef: ServiceDef;
  manifest: Manifest;
  /**
   * Every file entry (folder entries are left out), `service_def.json` and `manifest.json`
   * included, keyed by path. Stored (uncompressed) entries are views into the zip bytes
   * given to readModelDef, to avoid copying large weights: do not modify those bytes.
   */
  files: ReadonlyMap<string, Buffer>;
}

export function readModelDef(zip: Uint8Array, limits?: Partial<ZipLimits>): ModelDef {
  const resolved = resolveLimits(limits);
  const bytes = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  const { entries } = fromZipError(() => readZipDirectory(bytes, resolved.maxEntries));
  const fileEntries = checkEntries(entries, resolved);

  // Only now, with every declared size accepted, is anything decompressed. Inflating stops
  // at each entry's declared size, so the bytes inflated never pass the total checked
  // above: that total is the running budget, and an entry that would overrun it is refused.
  const files = new Map<string, Buffer>();
  for (const entry of fileEntries) {
    files.set(entry.name, fromZipError(() => extractEntry(bytes, entry)));
  }

  const serviceDefBytes = files.get(SERVICE_DEF_ENTRY);
  if (!serviceDefBytes) {
    throw new ModelDefError(
      `${SERVICE_DEF_ENTRY} is missing: this is not a model_def.zip written by this extension`,
      SERVICE_DEF_ENTRY,
    );
  }
  const manifestBytes = files.get(MANIFEST_ENTRY);
  if (!manifestBytes) {
    throw new ModelDefError(`${MANIFEST_ENTRY} is missing: package the model again`, MANIFEST_ENTRY);
  }
  const manifest = parseManifest(decodeJsonText(manifestBytes, MANIFEST_ENTRY));
  checkAgainstManifest(manifest, files);
  const serviceDef = parseServiceDef(decodeJsonText(serviceDefBytes, SERVICE_DEF_ENTRY));
  checkReferencedFiles(serviceDef, files);
  return { serviceDef, manifest, files };
}

export async function readModelDefFile(path: string, limits?: Partial<ZipLimits>): Promise<ModelDef> {
  const resolved = resolveLimits(limits);
  const bytes = await readWholeFile(path, resolved.maxTotalBytes);
  try {
    return readModelDef(bytes, resolved);
  } catch (error) {
    if (error instanceof ModelDefError) throw new ModelDefError(`${path}: ${error.message}`, error.entry);
    throw error;
  }
}

function resolveLimits(limits: Partial<ZipLimits> | undefined): ZipLimits {
  const resolved: ZipLimits = {
    maxEntries: limits?.maxEntries ?? DEFAULT_ZIP_LIMITS.maxEntries,
    maxEntryBytes: limits?.maxEntryBytes ?? DEFAULT_ZIP_LIMITS.maxEntryBytes,
    maxTotalBytes: limits?.maxTotalBytes ?? DEFAULT_ZIP_LIMITS.maxTotalBytes,
    maxCompressionRatio: limits?.maxCompressionRatio ?? DEFAULT_ZIP_LIMITS.maxCompressionRatio,
  };
  for (const [key, value] of Object.entries(resolved)) {
    // A caller's mistake, not the user's: not a UserError.
    if (!(typeof value === 'number' && value > 0)) throw new RangeError(`ZipLimits.${key} must be a positive number`);
  }
  return resolved;
}

function fromZipError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ZipFormatError) throw new ModelDefError(error.message, error.entry);
    throw error;
  }
}

function entryError(name: string, text: string): ModelDefError {
  return new ModelDefError(`entry ${quoteEntry(name)}: ${text}`, name);
}

// ---------------------------------------------------------------------------------------
// Entries: names, kinds and declared sizes, all before decompressing.

/** Returns the file entries (not folders) once every entry has passed. */
function checkEntries(entries: readonly ZipEntry[], limits: ZipLimits): ZipEntry[] {
  const seen = new Map<string, string>();
  const files: ZipEntry[] = [];
  let total = 0;
  let compressed = 0;
  for (const entry of entries) {
    checkEntryName(entry.name);
    checkUnique(entry.name, seen);
    checkEntryKind(entry);
    if (entry.isDirectory) {
      if (entry.uncompressedSize !== 0) throw entryError(entry.name, 'is a folder entry but holds data');
      continue;
    }
    checkDeclaredSize(entry, limits);
    total += entry.uncompressedSize;
    if (total > limits.maxTotalBytes) {
      throw new ModelDefError(
        `the entries declare more than ${limits.maxTotalBytes} bytes uncompressed in total, over the limit for one archive`,
      );
    }
    compressed += entry.compressedSize;
    files.push(entry);
  }
  // Many entries each within the allowance could still add up to a bomb.
  if (total > compressed * limits.maxCompressionRatio + RATIO_ALLOWANCE_BYTES) {
    throw new ModelDefError(
      `the entries declare ${total} bytes uncompressed from ${compressed} compressed, a ratio over the limit of ${limits.maxCompressionRatio}:1 for the archive (a zip bomb?)`,
    );
  }
  return files;
}

/**
 * Names must be relative paths that stay inside the folder they are extracted to, on any
 * operating system: the service and the local runner both unpack the archive.
 */
function checkEntryName(name: string): void {
  if (name === '' || name === '/') throw entryError(name, 'the name is empty');
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) throw entryError(name, 'the name contains a NUL or control character');
  if (name.includes('\\')) throw entryError(name, 'the name contains a backslash; use "/" between folders');
  if (name.startsWith('/')) throw entryError(name, 'absolute path (leading "/"); names must be relative');
  if (/^[A-Za-z]:/.test(name)) throw entryError(name, 'absolute path (drive letter); names must be relative');
  const segments = (name.endsWith('/') ? name.slice(0, -1) : name).split('/');
  if (segments.includes('..')) throw entryError(name, 'path leaves the archive (".." segment)');
  if (segments.some((segment) => segment === '' || segment === '.')) {
    throw entryError(name, 'the path has an empty or "." segment');
  }
}

/**
 * Refuses exact duplicates, and also names that differ only by case or a trailing "/":
 * they would overwrite each other when unpacked on Windows or macOS.
 */
function checkUnique(name: string, seen: Map<string, string>): void {
  const key = (name.endsWith('/') ? name.slice(0, -1) : name).toLowerCase();
  const previous = seen.get(key);
  if (previous === name) throw entryError(name, 'appears twice in the archive');
  if (previous !== undefined) {
    throw entryError(name, `collides with entry ${quoteEntry(previous)} (names differ only by case or a trailing "/")`);
  }
  seen.set(key, name);
}

function checkEntryKind(entry: ZipEntry): void {
  if (entry.isSymlink) throw entryError(entry.name, 'is a symbolic link, which model_def.zip must not contain');
  if (entry.isSpecialFile) throw entryError(entry.name, 'is a device, FIFO or socket, not a regular file');
  if (entry.encrypted) throw entryError(entry.name, 'is encrypted; package it again without a password');
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATE) {
    throw entryError(entry.name, unsupportedMethodText(entry.method));
  }
}

function checkDeclaredSize(entry: ZipEntry, limits: ZipLimits): void {
  if (entry.uncompressedSize > limits.maxEntryBytes) {
    throw entryError(
      entry.name,
      `declares ${entry.uncompressedSize} bytes uncompressed, over the limit of ${limits.maxEntryBytes} bytes per entry`,
    );
  }
  if (entry.uncompressedSize > entry.compressedSize * limits.maxCompressionRatio + RATIO_ALLOWANCE_BYTES) {
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    throw entryError(
      entry.name,
      `compression ratio ${Math.round(ratio)}:1 is over the limit of ${limits.maxCompressionRatio}:1 (a zip bomb?)`,
    );
  }
}

// ---------------------------------------------------------------------------------------
// manifest.json

function parseManifest(text: string): Manifest {
  const root = parseJsonObject(text, MANIFEST_ENTRY);
  const fail = (field: string, problem: string): ModelDefError =>
    new ModelDefError(`${MANIFEST_ENTRY}: ${field} ${problem}`, MANIFEST_ENTRY);
  if (root.format !== MANIFEST_FORMAT) {
    throw fail('format', `must be ${MANIFEST_FORMAT}; this archive was written by another version of the extension`);
  }
  if (!Array.isArray(root.entries)) throw fail('entries', 'must be an array');
  const entries: ManifestEntry[] = [];
  root.entries.forEach((value: unknown, index) => {
    const at = `entries[${index}]`;
    if (!isObject(value)) throw fail(at, 'must be an object');
    const { path, size, sha256 } = value;
    if (typeof path !== 'string' || path === '') throw fail(`${at}.path`, 'must be a non-empty string');
    if (path === MANIFEST_ENTRY) throw fail(`${at}.path`, `must not be ${MANIFEST_ENTRY} itself`);
    if (!isNonNegativeInteger(size)) throw fail(`${at}.size`, 'must be a non-negative integer');
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw fail(`${at}.sha256`, 'must be 64 lowercase hexadecimal digits');
    }
    entries.push({ path, size, sha256 });
  });
  return { format: MANIFEST_FORMAT, entries };
}

/** The manifest and the archive must list the same files with the same contents. */
function checkAgainstManifest(manifest: Manifest, files: ReadonlyMap<string, Buffer>): void {
  const listed = new Set<string>();
  for (const { path, size, sha256 } of manifest.entries) {
    if (listed.has(path)) {
      throw new ModelDefError(`${MANIFEST_ENTRY}: lists ${quoteEntry(path)} twice`, MANIFEST_ENTRY);
    }
    listed.add(path);
    const data = files.get(path);
    if (!data) {
      throw new ModelDefError(
        `entry ${quoteEntry(path)}: listed in ${MANIFEST_ENTRY} but missing from the archive`,
        path,
      );
    }
    if (data.length !== size) {
      throw entryError(path, `size does not match ${MANIFEST_ENTRY} (expected ${size} bytes, got ${data.length})`);
    }
    const actual = sha256Hex(data);
    if (actual !== sha256) {
      throw entryError(path, `SHA-256 does not match ${MANIFEST_ENTRY} (expected ${sha256}, got ${actual})`);
    }
  }
  for (const path of files.keys()) {
    if (path !== MANIFEST_ENTRY && !listed.has(path)) {
      throw entryError(
        path,
        `not listed in ${MANIFEST_ENTRY}: the archive was changed after packaging; package the model again`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------
// service_def.json

type JsonObject = Record<string, unknown>;

const STAGE_TYPES = ['preprocess', 'brainwave', 'tensorflow', 'classifier'] as const;

/**
 * Structural validation of `service_def.json` against serviceDef.ts. Fields this version
 * does not know are kept and ignored, so that newer packagers can add some.
 */
export function parseServiceDef(text: string): ServiceDef {
  const root = parseJsonObject(text, SERVICE_DEF_ENTRY);
  const check = new FieldChecker(root, '');
  check.string('aml_runtime_version');
  check.string('name');
  const pipeline = root.pipeline;
  if (!Array.isArray(pipeline) || pipeline.length === 0) throw serviceDefError('pipeline', 'must be a non-empty array');
  pipeline.forEach((stage: unknown, index) => checkStage(stage, `pipeline[${index}]`));
  checkLabels(root.labels);
  check.positiveInteger('top_k');
  // Every field the types promise has been checked above.
  return root as unknown as ServiceDef;
}

function checkStage(stage: unknown, at: string): void {
  if (!isObject(stage)) throw serviceDefError(at, 'must be an object');
  const check = new FieldChecker(stage, at);
  const type = check.oneOf('type', STAGE_TYPES);
  check.nonEmptyString('name');
  switch (type) {
    case 'preprocess':
      if (stage.resize !== undefined) checkResize(stage.resize, `${at}.resize`);
      check.oneOf('interpolation', ['bilinear', 'nearest']);
      if (stage.center_crop !== undefined) check.positiveIntegers('center_crop', 2);
      check.oneOf('channel_order', ['RGB', 'BGR']);
      check.numbers('mean', 3, false);
      check.numbers('std', 3, true);
      check.number('scale');
      return;
    case 'brainwave':
      check.nonEmptyString('model_ref');
      check.string('model_version');
      check.integers('output_tensor_dims');
      check.integers('input_tensor_dims');
      check.oneOf('precision', ['fp32', 'int8']);
      return;
    case 'tensorflow':
      checkModelStage(check);
      check.integers('output_shape');
      return;
    case 'classifier':
      if (stage.model !== undefined) {
        if (stage.model !== 'default') {
          throw serviceDefError(`${at}.model`, 'must be "default" (a classifier with its own model gives model_path)');
        }
        check.integers('input_tensor_dims');
      } else {
        checkModelStage(check);
      }
      check.positiveInteger('classes');
      return;
  }
}

function checkModelStage(check: FieldChecker): void {
  check.nonEmptyString('model_path');
  check.nonEmptyString('input_tensor');
  check.nonEmptyString('output_tensor');
  check.integers('input_shape');
}

function checkResize(resize: unknown, at: string): void {
  const valid =
    isObject(resize) &&
    ('shorterSide' in resize
      ? isPositiveInteger(resize.shorterSide)
      : isPositiveInteger(resize.width) && isPositiveInteger(resize.height));
  if (!valid) throw serviceDefError(at, 'must be {"width", "height"} or {"shorterSide"} with positive integers');
}

function checkLabels(labels: unknown): void {
  const valid =
    isObject(labels) &&
    ('store' in labels) !== ('path' in labels) &&
    (isNonEmptyString(labels.store) || isNonEmptyString(labels.path));
  if (!valid) throw serviceDefError('labels', 'must be {"store": string} or {"path": string}');
}

/** Files named by service_def.json must be in the archive, or the service fails later. */
function checkReferencedFiles(serviceDef: ServiceDef, files: ReadonlyMap<string, Buffer>): void {
  const requireFile = (field: string, path: string): void => {
    if (!files.has(path)) throw serviceDefError(field, `${quoteEntry(path)} is not in the archive`);
  };
  serviceDef.pipeline.forEach((stage, index) => {
    if ('model_path' in stage) requireFile(`pipeline[${index}].model_path`, stage.model_path);
  });
  if ('path' in serviceDef.labels) requireFile('labels.path', serviceDef.labels.path);
}

function serviceDefError(field: string, problem: string): ModelDefError {
  return new ModelDefError(`${SERVICE_DEF_ENTRY}: ${field} ${problem}`, SERVICE_DEF_ENTRY);
}

/** Checks the fields of one JSON object of service_def.json, naming them in messages. */
class FieldChecker {
  constructor(
    private readonly object: JsonObject,
    private readonly at: string,
  ) {}

  private fail(key: string, problem: string): never {
    throw serviceDefError(this.at === '' ? key : `${this.at}.${key}`, problem);
  }

  string(key: string): string {
    const value = this.object[key];
    if (typeof value !== 'string') this.fail(key, 'must be a string');
    return value;
  }

  nonEmptyString(key: string): string {
    const value = this.object[key];
    if (!isNonEmptyString(value)) this.fail(key, 'must be a non-empty string');
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.object[key];
    if (!allowed.some((option) => option === value)) {
      this.fail(key, `must be one of ${allowed.map((option) => JSON.stringify(option)).join(', ')}`);
    }
    return value as T;
  }

  number(key: string): void {
    if (!isFiniteNumber(this.object[key])) this.fail(key, 'must be a number');
  }

  positiveInteger(key: string): void {
    if (!isPositiveInteger(this.object[key])) this.fail(key, 'must be a positive integer');
  }

  /** Tensor dimensions and shapes; -1 stands for any size, so negatives are allowed. */
  integers(key: string): void {
    const value = this.object[key];
    if (!Array.isArray(value) || !value.every((item) => Number.isInteger(item))) {
      this.fail(key, 'must be an array of integers');
    }
  }

  positiveIntegers(key: string, length: number): void {
    const value = this.object[key];
    if (!Array.isArray(value) || value.length !== length || !value.every(isPositiveInteger)) {
      this.fail(key, `must be an array of ${length} positive integers`);
    }
  }

  numbers(key: string, length: number, positive: boolean): void {
    const value = this.object[key];
    const valid =
      Array.isArray(value) &&
      value.length === length &&
      value.every((item) => isFiniteNumber(item) && (!positive || item > 0));
    if (!valid) this.fail(key, `must be an array of ${length} ${positive ? 'positive ' : ''}numbers`);
  }
}

// ---------------------------------------------------------------------------------------
// Shared helpers

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeJsonText(data: Buffer, entry: string): string {
  try {
    return strictUtf8.decode(data);
  } catch {
    throw new ModelDefError(`${entry}: not valid UTF-8 text`, entry);
  }
}

function parseJsonObject(text: string, entry: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ModelDefError(`${entry}: not valid JSON (${error instanceof Error ? error.message : String(error)})`, entry);
  }
  if (!isObject(value)) throw new ModelDefError(`${entry}: must be a JSON object`, entry);
  return value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0;
}

function isNonNegativeInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

// ---------------------------------------------------------------------------------------
// Reading the file

/**
 * Reads a whole file, refusing one over `maxBytes` before reading it. fs.readFile cannot
 * be used: it stops at 2 GiB, below the default limit.
 */
async function readWholeFile(path: string, maxBytes: number): Promise<Buffer> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw cannotRead(path, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ModelDefError(`cannot read ${path}: not a file`);
    if (info.size > maxBytes) {
      throw new ModelDefError(`${path} is ${info.size} bytes, more than the limit of ${maxBytes} bytes`);
    }
    const data = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < data.length) {
      const length = Math.min(data.length - filled, 64 * 1024 * 1024);
      const { bytesRead } = await handle.read(data, filled, length, filled);
      if (bytesRead === 0) throw new ModelDefError(`cannot read ${path}: the file shrank while it was read`);
      filled += bytesRead;
    }
    return data;
  } catch (error) {
    if (error instanceof ModelDefError) throw error;
    throw cannotRead(path, error);
  } finally {
    await handle.close();
  }
}

function cannotRead(path: string, error: unknown): ModelDefError {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'not a file'
          : error instanceof Error
            ? error.message
            : String(error);
  return new ModelDefError(`cannot read ${path}: ${reason}`);
}
