import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import JSZip from 'jszip';
import { sha256Hex } from '../../src/common/hash';
import { stableStringify } from '../../src/common/stableJson';
import type { Manifest, ServiceDef } from '../../src/pipeline/serviceDef';
import {
  DEFAULT_ZIP_LIMITS,
  ModelDefError,
  parseServiceDef,
  readModelDef,
  readModelDefFile,
} from '../../src/pipeline/modelDefReader';

// ---------------------------------------------------------------------------------------
// A valid model definition

function serviceDef(): ServiceDef {
  return {
    aml_runtime_version: '1.1',
    name: 'flowers',
    pipeline: [
      {
        type: 'preprocess',
        name: 'pre',
        resize: { shorterSide: 256 },
        interpolation: 'bilinear',
        center_crop: [224, 224],
        channel_order: 'RGB',
        mean: [123.68, 116.78, 103.94],
        std: [58.4, 57.1, 57.4],
        scale: 1,
      },
      {
        type: 'tensorflow',
        name: 'features',
        model_path: 'stages/features/model.json',
        input_tensor: 'input_1',
        output_tensor: 'features',
        input_shape: [224, 224, 3],
        output_shape: [-1, 1024],
      },
      {
        type: 'classifier',
        name: 'clf',
        model_path: 'stages/clf/model.json',
        input_tensor: 'features',
        output_tensor: 'scores',
        input_shape: [1024],
        classes: 5,
      },
    ],
    labels: { path: 'labels.txt' },
    top_k: 3,
  };
}

/** Deterministic float32 weights: they compress about as badly as real ones. */
function weights(count: number, seed: number): Buffer {
  const values = new Float32Array(count);
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    values[i] = state / 0xffffffff - 0.5;
  }
  return Buffer.from(values.buffer);
}

function tfjsModel(): string {
  return JSON.stringify({ format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: [] }] });
}

type Files = Map<string, Buffer>;

const LABELS = 'daisy\ndandelion\nrose\nsunflower\ntulip\n';

function modelFiles(): Files {
  return new Map<string, Buffer>([
    ['service_def.json', Buffer.from(stableStringify(serviceDef()))],
    ['stages/features/model.json', Buffer.from(tfjsModel())],
    ['stages/features/weights.bin', weights(4096, 1)],
    ['stages/clf/model.json', Buffer.from(tfjsModel())],
    ['stages/clf/weights.bin', weights(1024, 2)],
    ['labels.txt', Buffer.from(LABELS)],
  ]);
}

function manifestOf(files: Files): Manifest {
  const entries = [...files]
    .filter(([path]) => path !== 'manifest.json')
    .map(([path, data]) => ({ path, size: data.length, sha256: sha256Hex(data) }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  return { format: 1, entries };
}

/** The files with a matching manifest.json added, after `edit` has changed them. */
function signedFiles(edit?: (files: Files) => void): Files {
  const files = modelFiles();
  edit?.(files);
  files.set('manifest.json', Buffer.from(stableStringify(manifestOf(files))));
  return files;
}

function withServiceDef(edit: (def: Record<string, unknown>) => void): Files {
  return signedFiles((files) => {
    const def = serviceDef() as unknown as Record<string, unknown>;
    edit(def);
    files.set('service_def.json', Buffer.from(JSON.stringify(def)));
  });
}

async function jszipOf(files: Files): Promise<Buffer> {
  const zip = new JSZip();
  for (const [path, data] of files) zip.file(path, data);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });
}

// ---------------------------------------------------------------------------------------
// Raw zip writer: jszip refuses or rewrites most of what the reader must refuse.

interface RawEntry {
  name: string | Buffer;
  data?: Buffer | string;
  method?: number;
  /** Bytes written as the entry's data instead of `data` compressed by `method`. */
  compressed?: Buffer;
  crc?: number;
  size?: number;
  compressedSize?: number;
  flags?: number;
  madeBy?: number;
  externalAttributes?: number;
  localName?: Buffer;
  /** Leave the local header out and point the central one here instead. */
  localHeaderOffset?: number;
}

interface RawEnd {
  entryCount?: number;
  disk?: number;
  directorySize?: number;
  directoryOffset?: number;
  zip64Locator?: boolean;
}

const UNIX_REGULAR = (0o100644 << 16) >>> 0;
const MADE_BY_UNIX = 0x0314;

function rawZip(entries: RawEntry[], end: RawEnd = {}): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = typeof entry.name === 'string' ? Buffer.from(entry.name) : entry.name;
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : (entry.data ?? Buffer.alloc(0));
    const method = entry.method ?? 0;
    const compressed = entry.compressed ?? (method === 8 ? deflateRawSync(data) : data);
    const crc = entry.crc ?? crc32(data);
    const size = entry.size ?? data.length;
    const compressedSize = entry.compressedSize ?? compressed.length;
    const flags = entry.flags ?? 0x0800;

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(entry.madeBy ?? MADE_BY_UNIX, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressedSize, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(entry.externalAttributes ?? UNIX_REGULAR, 38);
    central.writeUInt32LE(entry.localHeaderOffset ?? offset, 42);
    centrals.push(central, name);
    if (entry.localHeaderOffset !== undefined) continue;

    const localName = entry.localName ?? name;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressedSize, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(localName.length, 26);
    parts.push(local, localName, compressed);
    offset += local.length + localName.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const locator = Buffer.alloc(end.zip64Locator ? 20 : 0);
  if (end.zip64Locator) locator.writeUInt32LE(0x07064b50, 0);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(end.disk ?? 0, 4);
  eocd.writeUInt16LE(end.entryCount ?? entries.length, 8);
  eocd.writeUInt16LE(end.entryCount ?? entries.length, 10);
  eocd.writeUInt32LE(end.directorySize ?? directory.length, 12);
  eocd.writeUInt32LE(end.directoryOffset ?? offset, 16);
  return Buffer.concat([...parts, directory, locator, eocd]);
}

function rawEntries(files: Files, method = 8): RawEntry[] {
  return [...files].map(([name, data]) => ({ name, data, method }));
}

/** A valid archive plus `extra` entries (which a refusal stops at before the manifest). */
function zipWith(...extra: RawEntry[]): Buffer {
  return rawZip([...rawEntries(signedFiles()), ...extra]);
}

function refusal(read: () => unknown, pattern: RegExp, entry?: string): ModelDefError {
  let caught: unknown;
  try {
    read();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ModelDefError, `expected a ModelDefError, got ${String(caught)}`);
  assert.match(caught.message, pattern);
  assert.equal(caught.entry, entry);
  if (entry !== undefined && !entry.startsWith('service_def') && !entry.startsWith('manifest')) {
    assert.ok(caught.message.startsWith(`entry ${JSON.stringify(entry)}: `), caught.message);
  }
  return caught;
}

const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------
// Accepted archives

void test('reads a jszip-written model_def.zip back with every file and the parsed service_def.json', async () => {
  const files = signedFiles();
  const zip = await jszipOf(files);
  const modelDef = readModelDef(zip);

  assert.deepEqual(modelDef.serviceDef, serviceDef());
  assert.deepEqual(modelDef.manifest, manifestOf(files));
  // jszip adds folder entries ("stages/", …): accepted and left out of `files`.
  assert.deepEqual([...modelDef.files.keys()].sort(), [...files.keys()].sort());
  for (const [path, data] of files) assert.deepEqual(modelDef.files.get(path), data, path);
});

void test('reads stored entries from a view into a larger buffer', () => {
  const files = signedFiles();
  const zip = rawZip(rawEntries(files, 0));
  const padded = new Uint8Array(zip.length + 100);
  padded.set(zip, 50);
  const modelDef = readModelDef(padded.subarray(50, 50 + zip.length));
  assert.deepEqual(modelDef.files.get('stages/clf/weights.bin'), files.get('stages/clf/weights.bin'));
});

void test('accepts entries over 1 MiB that compress normally, and highly compressible small files', () => {
  const files = signedFiles((f) => {
    f.set('stages/features/weights.bin', weights(MiB, 3));
    f.set('stages/clf/model.json', Buffer.from(' '.repeat(500_000) + tfjsModel()));
  });
  const modelDef = readModelDef(rawZip(rawEntries(files)));
  assert.equal(modelDef.files.get('stages/features/weights.bin')?.length, 4 * MiB);
});

void test('accepts brainwave and default classifier stages and store labels', () => {
  const def = parseServiceDef(
    JSON.stringify({
      aml_runtime_version: '1.1',
      name: 'imagenet',
      pipeline: [
        {
          type: 'preprocess',
          name: 'pre',
          resize: { width: 224, height: 224 },
          interpolation: 'nearest',
          channel_order: 'BGR',
          mean: [0, 0, 0],
          std: [1, 1, 1],
          scale: 2,
        },
        {
          type: 'brainwave',
          name: 'resnet50',
          model_ref: 'resnet50',
          model_version: '1.1.6-rc',
          input_tensor_dims: [1, 224, 224, 3],
          output_tensor_dims: [1, 1, 1, 2048],
          precision: 'int8',
        },
        { type: 'classifier', name: 'clf', model: 'default', input_tensor_dims: [1, 2048], classes: 1000 },
      ],
      labels: { store: 'imagenet' },
      top_k: 5,
      added_by_a_newer_version: true,
    }),
  );
  assert.equal(def.pipeline.length, 3);
  assert.deepEqual(def.labels, { store: 'imagenet' });
});

// ---------------------------------------------------------------------------------------
// Not a (supported) zip

void test('refuses bytes that are not a zip', () => {
  refusal(() => readModelDef(Buffer.from('{"this": "is json, not a zip"}')), /^not a zip archive/);
  refusal(() => readModelDef(new Uint8Array(0)), /^not a zip archive/);
});

void test('refuses a truncated zip', () => {
  const zip = zipWith();
  refusal(() => readModelDef(zip.subarray(0, zip.length - 10)), /truncated/);
  refusal(() => readModelDef(zip.subarray(zip.length - 22)), /truncated or corrupt/);
});

void test('refuses a zip whose entry data runs past the central directory', () => {
  refusal(
    () => readModelDef(zipWith({ name: 'big.bin', data: 'abc', compressedSize: 1000, size: 1000 })),
    /truncated/,
    'big.bin',
  );
});

void test('refuses ZIP64 archives', () => {
  const zip = zipWith();
  zip.writeUInt16LE(0xffff, zip.length - 12); // total entry count in the end record
  refusal(() => readModelDef(zip), /ZIP64/);
  refusal(() => readModelDef(rawZip(rawEntries(signedFiles()), { zip64Locator: true })), /ZIP64/);
  refusal(
    () => readModelDef(zipWith({ name: 'huge.bin', data: 'x', size: 0xffffffff })),
    /uses ZIP64 sizes or offsets/,
    'huge.bin',
  );
});

void test('refuses multi-disk archives', () => {
  refusal(() => readModelDef(rawZip(rawEntries(signedFiles()), { disk: 1 })), /split across several disks/);
});

void test('refuses a central directory whose size does not match its entries', () => {
  const files = signedFiles();
  const good = rawZip(rawEntries(files));
  const directorySize = good.readUInt32LE(good.length - 10);
  refusal(() => readModelDef(rawZip(rawEntries(files), { directorySize: directorySize - 1 })), /central directory/);
});

void test('refuses a local header whose name differs from the central directory', () => {
  refusal(
    () => readModelDef(zipWith({ name: 'innocent.txt', data: 'x', localName: Buffer.from('../../evil.sh') })),
    /local file header does not match/,
    'innocent.txt',
  );
});

void test('refuses entries that share bytes (overlapping zip bomb)', () => {
  const inner = rawZip([{ name: 'b.txt', data: 'hello' }]).subarray(0, 30 + 5 + 5);
  const zip = rawZip([
    { name: 'a.bin', data: inner },
    { name: 'b.txt', data: 'hello', localHeaderOffset: 30 + 5 },
  ]);
  refusal(() => readModelDef(zip), /overlaps entry "a\.bin"/, 'b.txt');
});

// ---------------------------------------------------------------------------------------
// Names

const badNames: [string, string, RegExp][] = [
  ['a ".." segment', '../evil', /path leaves the archive \("\.\." segment\)/],
  ['a ".." segment inside the path', 'stages/../../evil', /path leaves the archive/],
  ['a ".." folder entry', '../', /path leaves the archive/],
  ['a leading "/"', '/etc/passwd', /absolute path \(leading "\/"\)/],
  ['a drive letter', 'C:/Windows/evil.dll', /absolute path \(drive letter\)/],
  ['a drive-relative name', 'c:evil', /absolute path \(drive letter\)/],
  ['a backslash', 'stages\\..\\evil', /backslash/],
  ['a NUL character', 'model.json\u0000.txt', /NUL or control character/],
  ['a control character', 'evil\nname', /NUL or control character/],
  ['an empty segment', 'stages//model.json', /empty or "\." segment/],
  ['a "." segment', './model.json', /empty or "\." segment/],
  ['an empty name', '', /name is empty/],
];

for (const [label, name, pattern] of badNames) {
  void test(`refuses an entry name with ${label}`, () => {
    const error = refusal(() => readModelDef(zipWith({ name, data: 'x' })), pattern, name);
    assert.ok(error.message.includes(JSON.stringify(name)), error.message);
  });
}

void test('refuses a name that is not UTF-8', () => {
  refusal(() => readModelDef(zipWith({ name: Buffer.from([0x61, 0xff, 0x62]), data: 'x' })), /not valid UTF-8/, 'a\ufffdb');
});

void test('refuses duplicate names', () => {
  refusal(
    () => readModelDef(zipWith({ name: 'labels.txt', data: 'other labels' })),
    /appears twice in the archive/,
    'labels.txt',
  );
});

void test('refuses names that differ only by case', () => {
  refusal(
    () => readModelDef(zipWith({ name: 'Labels.TXT', data: 'other labels' })),
    /collides with entry "labels\.txt"/,
    'Labels.TXT',
  );
});

// ---------------------------------------------------------------------------------------
// Entry kinds and methods

void test('refuses a unix symbolic link', () => {
  refusal(
    () =>
      readModelDef(
        zipWith({
          name: 'stages/clf/link.bin',
          data: '/etc/passwd',
          madeBy: MADE_BY_UNIX,
          externalAttributes: (0o120777 << 16) >>> 0,
        }),
      ),
    /is a symbolic link/,
    'stages/clf/link.bin',
  );
});

void test('ignores unix mode bits when the entry was not made on unix', () => {
  // 0o120777 << 16 means nothing for an MS-DOS entry; the entry is then only refused as unlisted.
  refusal(
    () => readModelDef(zipWith({ name: 'dos.bin', data: 'x', madeBy: 0x0014, externalAttributes: (0o120777 << 16) >>> 0 })),
    /not listed in manifest\.json/,
    'dos.bin',
  );
});

void test('refuses a device, FIFO or socket', () => {
  refusal(
    () => readModelDef(zipWith({ name: 'fifo', externalAttributes: (0o010644 << 16) >>> 0 })),
    /device, FIFO or socket/,
    'fifo',
  );
});

void test('refuses an encrypted entry', () => {
  refusal(() => readModelDef(zipWith({ name: 'secret.bin', data: 'x', flags: 0x0801 })), /is encrypted/, 'secret.bin');
});

void test('refuses an unsupported compression method', () => {
  refusal(
    () => readModelDef(zipWith({ name: 'aes.bin', data: 'x', method: 99 })),
    /compression method 99, which is not supported/,
    'aes.bin',
  );
});

void test('refuses a folder entry holding data', () => {
  refusal(() => readModelDef(zipWith({ name: 'stages/', data: 'x' })), /folder entry but holds data/, 'stages/');
});

// ---------------------------------------------------------------------------------------
// Limits and zip bombs

void test('has the documented default limits', () => {
  assert.deepEqual(DEFAULT_ZIP_LIMITS, {
    maxEntries: 1_000,
    maxEntryBytes: 2 * 1024 ** 3,
    maxTotalBytes: 4 * 1024 ** 3,
    maxCompressionRatio: 200,
  });
});

void test('refuses too many entries', () => {
  refusal(() => readModelDef(zipWith(), { maxEntries: 3 }), /has 7 entries, more than the limit of 3/);
});

void test('refuses an entry whose declared size is over the limit, before reading it', () => {
  refusal(
    () => readModelDef(zipWith({ name: 'big.bin', data: 'x'.repeat(100_000) }), { maxEntryBytes: 50_000 }),
    /declares 100000 bytes uncompressed, over the limit of 50000 bytes per entry/,
    'big.bin',
  );
  refusal(
    () => readModelDef(zipWith({ name: 'liar.bin', data: 'x', method: 8, size: 3 * 1024 ** 3 })),
    /declares 3221225472 bytes uncompressed, over the limit of 2147483648 bytes per entry/,
    'liar.bin',
  );
});

void test('refuses a total uncompressed size over the limit', () => {
  refusal(() => readModelDef(zipWith(), { maxTotalBytes: 10_000 }), /more than 10000 bytes uncompressed in total/);
});

void test('refuses a deflate zip bomb by its compression ratio, before inflating it', () => {
  const zeros = Buffer.alloc(50 * MiB);
  const bomb = deflateRawSync(zeros, { level: 9 });
  assert.ok(bomb.length < 100_000);
  // Only the check of declared sizes says "compression ratio": decompressing would fail differently.
  refusal(
    () => readModelDef(zipWith({ name: 'stages/clf/weights2.bin', method: 8, compressed: bomb, size: zeros.length, crc: 0 })),
    /compression ratio \d+:1 is over the limit of 200:1/,
    'stages/clf/weights2.bin',
  );
});

void test('refuses a bomb of many small entries from the central directory, in milliseconds', () => {
  // The shape that once froze the host: thousands of 1 MiB entries of zeros, each ~1 KiB compressed.
  const compressed = deflateRawSync(Buffer.alloc(MiB), { level: 9 });
  const bomb = (count: number): RawEntry[] =>
    Array.from({ length: count }, (_, i) => ({ name: `z/${i}.bin`, method: 8, compressed, size: MiB, crc: 0 }));
  let started = performance.now();
  refusal(() => readModelDef(rawZip(bomb(900))), /declare 943718400 bytes uncompressed from \d+ compressed, a ratio over the limit of 200:1 for the archive/);
  assert.ok(performance.now() - started < 500, 'refused without inflating');
  started = performance.now();
  refusal(() => readModelDef(rawZip(bomb(4000))), /has 4000 entries, more than the limit of 1000/);
  assert.ok(performance.now() - started < 500);
});

void test('refuses small entries that each pass but add up to a bomb, and one huge entry', () => {
  // 64 KiB of zeros per entry is within the per-entry allowance; 500 of them are not within the archive's.
  const compressed = deflateRawSync(Buffer.alloc(64 * 1024), { level: 9 });
  const entries = Array.from({ length: 500 }, (_, i): RawEntry => ({ name: `z/${i}.bin`, method: 8, compressed, size: 64 * 1024, crc: 0 }));
  refusal(() => readModelDef(zipWith(...entries)), /a ratio over the limit of 200:1 for the archive/);
  const huge = deflateRawSync(Buffer.alloc(8 * MiB), { level: 9 });
  refusal(() => readModelDef(zipWith({ name: 'huge.bin', method: 8, compressed: huge, size: 8 * MiB, crc: 0 })), /compression ratio \d+:1 is over the limit of 200:1/, 'huge.bin');
});

void test('stops a zip bomb that understates its size at the declared size', () => {
  const bomb = deflateRawSync(Buffer.alloc(50 * MiB));
  const started = Date.now();
  refusal(
    () => readModelDef(zipWith({ name: 'small.bin', method: 8, compressed: bomb, size: 1000 })),
    /inflates to more than its declared 1000 bytes/,
    'small.bin',
  );
  // Inflating all 50 MiB would take far longer than stopping at 1000 bytes.
  assert.ok(Date.now() - started < 5_000);
});

void test('refuses an entry that holds fewer bytes than it declares', () => {
  refusal(
    () => readModelDef(zipWith({ name: 'short.bin', method: 8, data: 'abc', size: 10 })),
    /holds 3 bytes but declares 10/,
    'short.bin',
  );
});

void test('refuses a CRC-32 mismatch', () => {
  const files = signedFiles();
  const entries = rawEntries(files).map((entry) =>
    entry.name === 'stages/clf/weights.bin' ? { ...entry, crc: 0x12345678 } : entry,
  );
  refusal(() => readModelDef(rawZip(entries)), /CRC-32 mismatch \(declared 12345678, computed [0-9a-f]{8}\)/, 'stages/clf/weights.bin');
});

void test('refuses corrupt deflate data', () => {
  refusal(
    () => readModelDef(zipWith({ name: 'garbage.bin', method: 8, compressed: Buffer.from([0xff, 0xff, 0xff]), size: 3 })),
    /compressed data is corrupt/,
    'garbage.bin',
  );
});

// ---------------------------------------------------------------------------------------
// manifest.json and service_def.json

void test('refuses an archive without service_def.json', () => {
  const files = signedFiles((f) => f.delete('service_def.json'));
  refusal(() => readModelDef(rawZip(rawEntries(files))), /^service_def\.json is missing/, 'service_def.json');
});

void test('refuses an archive without manifest.json', () => {
  const files = signedFiles();
  files.delete('manifest.json');
  refusal(() => readModelDef(rawZip(rawEntries(files))), /^manifest\.json is missing/, 'manifest.json');
});

const badManifests: [string, string, RegExp][] = [
  ['not JSON', '{"format": 1,', /^manifest\.json: not valid JSON/],
  ['not an object', '[]', /^manifest\.json: must be a JSON object/],
  ['another format', '{"format": 2, "entries": []}', /^manifest\.json: format must be 1/],
  ['entries not an array', '{"format": 1, "entries": {}}', /^manifest\.json: entries must be an array/],
  [
    'a bad sha256',
    '{"format": 1, "entries": [{"path": "labels.txt", "size": 1, "sha256": "ABC"}]}',
    /^manifest\.json: entries\[0\]\.sha256 must be 64 lowercase hexadecimal digits/,
  ],
  [
    'a bad size',
    `{"format": 1, "entries": [{"path": "labels.txt", "size": -1, "sha256": "${'0'.repeat(64)}"}]}`,
    /^manifest\.json: entries\[0\]\.size must be a non-negative integer/,
  ],
];

for (const [label, text, pattern] of badManifests) {
  void test(`refuses a manifest.json that is ${label}`, () => {
    const files = signedFiles();
    files.set('manifest.json', Buffer.from(text));
    refusal(() => readModelDef(rawZip(rawEntries(files))), pattern, 'manifest.json');
  });
}

void test('refuses a manifest entry whose file is missing', () => {
  const files = signedFiles();
  files.delete('stages/clf/weights.bin');
  refusal(
    () => readModelDef(rawZip(rawEntries(files))),
    /^entry "stages\/clf\/weights\.bin": listed in manifest\.json but missing from the archive/,
    'stages/clf/weights.bin',
  );
});

void test('refuses an entry not listed in the manifest', () => {
  refusal(
    () => readModelDef(zipWith({ name: 'stages/clf/extra.bin', data: 'x' })),
    /not listed in manifest\.json/,
    'stages/clf/extra.bin',
  );
});

void test('refuses an entry whose size differs from the manifest', () => {
  const files = signedFiles();
  files.set('labels.txt', Buffer.from('daisy\n'));
  refusal(
    () => readModelDef(rawZip(rawEntries(files))),
    new RegExp(`size does not match manifest\\.json \\(expected ${LABELS.length} bytes, got 6\\)`),
    'labels.txt',
  );
});

void test('refuses an entry whose SHA-256 differs from the manifest', () => {
  const files = signedFiles();
  const original = files.get('stages/clf/model.json') ?? Buffer.alloc(0);
  const tampered = Buffer.from(original.toString().replace('layers', 'LAYERS'));
  files.set('stages/clf/model.json', tampered);
  const error = refusal(
    () => readModelDef(rawZip(rawEntries(files))),
    /SHA-256 does not match manifest\.json/,
    'stages/clf/model.json',
  );
  assert.ok(error.message.includes(`(expected ${sha256Hex(original)}, got ${sha256Hex(tampered)})`), error.message);
});

void test('refuses a malformed service_def.json inside the archive', () => {
  const files = withServiceDef((def) => {
    def.top_k = 0;
  });
  refusal(() => readModelDef(rawZip(rawEntries(files))), /^service_def\.json: top_k must be a positive integer$/, 'service_def.json');
});

void test('refuses a model_path that is not in the archive', () => {
  const files = signedFiles((f) => f.delete('stages/features/model.json'));
  refusal(
    () => readModelDef(rawZip(rawEntries(files))),
    /^service_def\.json: pipeline\[1\]\.model_path "stages\/features\/model\.json" is not in the archive/,
    'service_def.json',
  );
});

void test('refuses a labels path that is not in the archive', () => {
  const files = signedFiles((f) => f.delete('labels.txt'));
  refusal(
    () => readModelDef(rawZip(rawEntries(files))),
    /^service_def\.json: labels\.path "labels\.txt" is not in the archive/,
    'service_def.json',
  );
});

type Edit = (def: Record<string, unknown>, stages: Record<string, unknown>[]) => void;

const badServiceDefs: [string, Edit, string][] = [
  ['aml_runtime_version', (def) => (def.aml_runtime_version = 1.1), 'aml_runtime_version must be a string'],
  ['name', (def) => delete def.name, 'name must be a string'],
  ['pipeline missing', (def) => delete def.pipeline, 'pipeline must be a non-empty array'],
  ['pipeline empty', (def) => (def.pipeline = []), 'pipeline must be a non-empty array'],
  ['a stage that is not an object', (def) => (def.pipeline = ['pre']), 'pipeline[0] must be an object'],
  [
    'an unknown stage type',
    (_, stages) => (stages[1]!.type = 'onnx'),
    'pipeline[1].type must be one of "preprocess", "brainwave", "tensorflow", "classifier"',
  ],
  ['a stage without a name', (_, stages) => delete stages[2]!.name, 'pipeline[2].name must be a non-empty string'],
  ['model_path of the wrong type', (_, stages) => (stages[1]!.model_path = 7), 'pipeline[1].model_path must be a non-empty string'],
  ['an input_shape of non-integers', (_, stages) => (stages[1]!.input_shape = [1.5]), 'pipeline[1].input_shape must be an array of integers'],
  ['a mean of 2 numbers', (_, stages) => (stages[0]!.mean = [1, 2]), 'pipeline[0].mean must be an array of 3 numbers'],
  ['a zero std', (_, stages) => (stages[0]!.std = [1, 0, 1]), 'pipeline[0].std must be an array of 3 positive numbers'],
  ['an unknown interpolation', (_, stages) => (stages[0]!.interpolation = 'cubic'), 'pipeline[0].interpolation must be one of "bilinear", "nearest"'],
  ['a bad resize', (_, stages) => (stages[0]!.resize = { width: 224 }), 'pipeline[0].resize must be {"width", "height"} or {"shorterSide"} with positive integers'],
  ['a bad center_crop', (_, stages) => (stages[0]!.center_crop = [224]), 'pipeline[0].center_crop must be an array of 2 positive integers'],
  ['classes of zero', (_, stages) => (stages[2]!.classes = 0), 'pipeline[2].classes must be a positive integer'],
  ['a classifier model other than default', (_, stages) => (stages[2]!.model = 'resnet'), 'pipeline[2].model must be "default"'],
  ['a brainwave stage without precision', (def) => (def.pipeline = [{ type: 'brainwave', name: 'b', model_ref: 'r', model_version: '1', input_tensor_dims: [1], output_tensor_dims: [1] }]), 'pipeline[0].precision must be one of "fp32", "int8"'],
  ['labels with neither store nor path', (def) => (def.labels = { file: 'x' }), 'labels must be {"store": string} or {"path": string}'],
  ['labels with both store and path', (def) => (def.labels = { store: 'imagenet', path: 'labels.txt' }), 'labels must be {"store": string} or {"path": string}'],
  ['top_k not an integer', (def) => (def.top_k = 2.5), 'top_k must be a positive integer'],
];

for (const [label, edit, message] of badServiceDefs) {
  void test(`parseServiceDef refuses ${label}`, () => {
    const def = serviceDef() as unknown as Record<string, unknown>;
    edit(def, def.pipeline as Record<string, unknown>[]);
    const error = refusal(() => parseServiceDef(JSON.stringify(def)), /^service_def\.json: /, 'service_def.json');
    assert.ok(error.message.startsWith(`service_def.json: ${message}`), error.message);
  });
}

void test('parseServiceDef refuses text that is not a JSON object', () => {
  refusal(() => parseServiceDef('not json'), /^service_def\.json: not valid JSON/, 'service_def.json');
  refusal(() => parseServiceDef('[1, 2]'), /^service_def\.json: must be a JSON object/, 'service_def.json');
  refusal(() => parseServiceDef('null'), /^service_def\.json: must be a JSON object/, 'service_def.json');
});

// ---------------------------------------------------------------------------------------
// readModelDefFile

void test('readModelDefFile reads a file, refuses a missing or oversized one, and names the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'model-def-reader-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const good = join(dir, 'model_def.zip');
  await writeFile(good, zipWith());

  const modelDef = await readModelDefFile(good);
  assert.equal(modelDef.serviceDef.name, 'flowers');

  const missing = join(dir, 'nope.zip');
  await assert.rejects(readModelDefFile(missing), (error: unknown) => {
    assert.ok(error instanceof ModelDefError);
    assert.equal(error.message, `cannot read ${missing}: no such file`);
    return true;
  });
  await assert.rejects(readModelDefFile(dir), (error: unknown) => {
    assert.ok(error instanceof ModelDefError);
    assert.equal(error.message, `cannot read ${dir}: not a file`);
    return true;
  });
  await assert.rejects(readModelDefFile(good, { maxTotalBytes: 100 }), (error: unknown) => {
    assert.ok(error instanceof ModelDefError);
    assert.match(error.message, /is \d+ bytes, more than the limit of 100 bytes$/);
    return true;
  });

  const evil = join(dir, 'evil.zip');
  await writeFile(evil, zipWith({ name: '../evil', data: 'x' }));
  await assert.rejects(readModelDefFile(evil), (error: unknown) => {
    assert.ok(error instanceof ModelDefError);
    assert.equal(error.entry, '../evil');
    assert.equal(error.message, `${evil}: entry "../evil": path leaves the archive (".." segment)`);
    return true;
  });
});
