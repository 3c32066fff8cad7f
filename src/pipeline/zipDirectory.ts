/**
 * A strict reader of the ZIP central directory (PKWARE APPNOTE 6.3.x, sections 4.3.7,
 * 4.3.12 and 4.3.16), written for verifying untrusted archives rather than for
 * compatibility: anything this project's packager never writes (ZIP64, split archives,
 * entries sharing bytes, local headers that disagree with the central directory) is
 * refused instead of guessed at, so that every consumer of an accepted archive sees the
 * same entries with the same bytes.
 *
 * Path policy (what names are acceptable) is not decided here; see modelDefReader.ts.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { UserError } from '../common/errors';

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIZE = 30;
const MAX_COMMENT_SIZE = 0xffff;

const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_STRONG_ENCRYPTION = 0x0040;

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;

const HOST_UNIX = 3;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** A malformed or unsupported archive; `entry` is set when one entry is at fault. */
export class ZipFormatError extends UserError {
  override readonly name: string = 'ZipFormatError';
  constructor(
    message: string,
    readonly entry?: string,
  ) {
    super(message);
  }
}

export interface ZipEntry {
  /** The name as stored, for byte-exact comparisons. */
  rawName: Buffer;
  name: string;
  method: number;
  flags: number;
  encrypted: boolean;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  externalAttributes: number;
  /** The upper byte of "version made by": 0 MS-DOS, 3 Unix, … */
  madeByHost: number;
  /** Unix file type bits from the external attributes, or 0 when the host is not Unix. */
  unixFileType: number;
  isSymlink: boolean;
  /** A Unix special file (device, FIFO, socket): never something a model needs. */
  isSpecialFile: boolean;
  isDirectory: boolean;
  localHeaderOffset: number;
  /** Where the entry's (compressed) bytes start, after the local header. */
  dataOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  comment: Buffer;
}

/** Quotes an entry name for messages; JSON escapes make control characters visible. */
export function quoteEntry(name: string): string {
  return JSON.stringify(name);
}

function entryError(name: string, text: string): ZipFormatError {
  return new ZipFormatError(`entry ${quoteEntry(name)}: ${text}`, name);
}

interface EndOfCentralDirectory {
  offset: number;
  entryCount: number;
  directorySize: number;
  directoryOffset: number;
  comment: Buffer;
}

/**
 * Finds the End Of Central Directory record. It ends the file, followed only by its own
 * comment, so the signature is searched for backwards and only accepted where the comment
 * length it declares reaches exactly the end of the data.
 */
function findEndOfCentralDirectory(zip: Buffer): EndOfCentralDirectory {
  const lowest = Math.max(0, zip.length - EOCD_SIZE - MAX_COMMENT_SIZE);
  for (let offset = zip.length - EOCD_SIZE; offset >= lowest; offset--) {
    if (zip.readUInt32LE(offset) !== EOCD_SIGNATURE) continue;
    const commentLength = zip.readUInt16LE(offset + 20);
    if (offset + EOCD_SIZE + commentLength !== zip.length) continue;

    const disk = zip.readUInt16LE(offset + 4);
    const directoryDisk = zip.readUInt16LE(offset + 6);
    const entriesOnDisk = zip.readUInt16LE(offset + 8);
    const entryCount = zip.readUInt16LE(offset + 10);
    const directorySize = zip.readUInt32LE(offset + 12);
    const directoryOffset = zip.readUInt32LE(offset + 16);

    const zip64Locator =
      offset >= ZIP64_LOCATOR_SIZE && zip.readUInt32LE(offset - ZIP64_LOCATOR_SIZE) === ZIP64_LOCATOR_SIGNATURE;
    if (
      zip64Locator ||
      entryCount === 0xffff ||
      entriesOnDisk === 0xffff ||
      directorySize === 0xffffffff ||
      directoryOffset === 0xffffffff
    ) {
      throw new ZipFormatError(
        'the archive is in ZIP64 format, which is not supported; package it again with this extension',
      );
    }
    if (disk !== 0 || directoryDisk !== 0 || entriesOnDisk !== entryCount) {
      throw new ZipFormatError(
        'the archive is split across several disks (a multi-part zip), which is not supported; join it into one file',
      );
    }
    if (directoryOffset + directorySize > offset) {
      throw new ZipFormatError('the archive is truncated or corrupt (central directory lies outside the file)');
    }
    return {
      offset,
      entryCount,
      directorySize,
      directoryOffset,
      comment: zip.subarray(offset + EOCD_SIZE, zip.length),
    };
  }
  throw new ZipFormatError('not a zip archive, or a truncated one (no end-of-central-directory record found)');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/**
 * Names are UTF-8 when flag bit 11 says so; without it APPNOTE means CP437, but real tools
 * write UTF-8 or plain ASCII there, and the packager only ever writes ASCII or flagged
 * UTF-8. So a name is accepted only if it decodes as UTF-8, and never lossily: two
 * different byte strings must not turn into the same name.
 */
function decodeName(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw entryError(lenientUtf8.decode(raw), 'the name is not valid UTF-8');
  }
}

function readCentralHeader(zip: Buffer, at: number, end: number): { entry: ZipEntry; next: number } {
  if (at + CENTRAL_HEADER_SIZE > end || zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
    throw new ZipFormatError('the central directory is corrupt (bad file header)');
  }
  const madeBy = zip.readUInt16LE(at + 4);
  const flags = zip.readUInt16LE(at + 8);
  const method = zip.readUInt16LE(at + 10);
  const crc = zip.readUInt32LE(at + 16);
  const compressedSize = zip.readUInt32LE(at + 20);
  const uncompressedSize = zip.readUInt32LE(at + 24);
  const nameLength = zip.readUInt16LE(at + 28);
  const extraLength = zip.readUInt16LE(at + 30);
  const commentLength = zip.readUInt16LE(at + 32);
  const diskStart = zip.readUInt16LE(at + 34);
  const externalAttributes = zip.readUInt32LE(at + 38);
  const localHeaderOffset = zip.readUInt32LE(at + 42);
  const next = at + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
  if (next > end) throw new ZipFormatError('the central directory is corrupt (file header runs past its end)');

  const rawName = zip.subarray(at + CENTRAL_HEADER_SIZE, at + CENTRAL_HEADER_SIZE + nameLength);
  const name = decodeName(rawName);
  if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
    throw entryError(name, 'uses ZIP64 sizes or offsets, which are not supported; package it again with this extension');
  }
  if (diskStart !== 0) throw entryError(name, 'starts on another disk of a multi-part zip, which is not supported');

  const madeByHost = madeBy >>> 8;
  const unixFileType = madeByHost === HOST_UNIX ? (externalAttributes >>> 16) & S_IFMT : 0;
  const entry: ZipEntry = {
    rawName,
    name,
    method,
    flags,
    encrypted: (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) !== 0,
    compressedSize,
    uncompressedSize,
    crc32: crc,
    externalAttributes,
    madeByHost,
    unixFileType,
    isSymlink: unixFileType === S_IFLNK,
    isSpecialFile: unixFileType !== 0 && unixFileType !== S_IFREG && unixFileType !== S_IFDIR && unixFileType !== S_IFLNK,
    isDirectory: name.endsWith('/'),
    localHeaderOffset,
    dataOffset: 0,
  };
  return { entry, next };
}

/**
 * Checks the local header against the central one and finds where the data starts.
 * Extractors that trust local headers must not see a different name or method than we do.
 */
function locateData(zip: Buffer, entry: ZipEntry, directoryOffset: number): number {
  const at = entry.localHeaderOffset;
  if (at + LOCAL_HEADER_SIZE > directoryOffset || zip.readUInt32LE(at) !== LOCAL_SIGNATURE) {
    throw entryError(entry.name, 'the local file header is missing or corrupt');
  }
  const method = zip.readUInt16LE(at + 8);
  const nameLength = zip.readUInt16LE(at + 26);
  const extraLength = zip.readUInt16LE(at + 28);
  const dataOffset = at + LOCAL_HEADER_SIZE + nameLength + extraLength;
  if (dataOffset > directoryOffset) throw entryError(entry.name, 'the local file header runs into the central directory');

  const localName = zip.subarray(at + LOCAL_HEADER_SIZE, at + LOCAL_HEADER_SIZE + nameLength);
  if (!localName.equals(entry.rawName) || method !== entry.method) {
    throw entryError(entry.name, 'the local file header does not match the central directory');
  }
  // With a data descriptor (flag bit 3) the local CRC and sizes are zero by design.
  if (
    (entry.flags & FLAG_DATA_DESCRIPTOR) === 0 &&
    (zip.readUInt32LE(at + 14) !== entry.crc32 ||
      zip.readUInt32LE(at + 18) !== entry.compressedSize ||
      zip.readUInt32LE(at + 22) !== entry.uncompressedSize)
  ) {
    throw entryError(entry.name, 'the local file header does not match the central directory');
  }
  if (dataOffset + entry.compressedSize > directoryOffset) {
    throw entryError(entry.name, 'the archive is truncated (compressed data runs past the end)');
  }
  return dataOffset;
}

/**
 * Refuses entries whose bytes overlap: sharing compressed data between entries is how
 * "non-recursive" zip bombs multiply their output, and no honest writer does it.
 */
function checkNoOverlap(entries: readonly ZipEntry[]): void {
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const previous = byOffset[i - 1];
    const current = byOffset[i];
    if (previous && current && previous.dataOffset + previous.compressedSize > current.localHeaderOffset) {
      throw entryError(current.name, `overlaps entry ${quoteEntry(previous.name)} in the archive (a crafted zip)`);
    }
  }
}

/**
 * Reads and cross-checks the whole directory without decompressing anything, so callers
 * can apply their limits to the declared sizes first. `maxEntries` is checked against the
 * count in the end record before any file header is read.
 */
export function readZipDirectory(zip: Buffer, maxEntries: number): ZipDirectory {
  const end = findEndOfCentralDirectory(zip);
  if (end.entryCount > maxEntries) {
    throw new ZipFormatError(
      `the archive has ${end.entryCount} entries, more than the limit of ${maxEntries}`,
    );
  }
  const directoryEnd = end.directoryOffset + end.directorySize;
  const entries: ZipEntry[] = [];
  let at = end.directoryOffset;
  for (let i = 0; i < end.entryCount; i++) {
    const { entry, next } = readCentralHeader(zip, at, directoryEnd);
    entry.dataOffset = locateData(zip, entry, end.directoryOffset);
    entries.push(entry);
    at = next;
  }
  if (at !== directoryEnd) {
    throw new ZipFormatError('the central directory is corrupt (its size does not match its entries)');
  }
  checkNoOverlap(entries);
  return { entries, comment: end.comment };
}

/**
 * Returns an entry's bytes, verified against its declared size and CRC-32. Deflate output
 * is capped at the declared size, so a header that understates it can never make us
 * allocate more than the caller already accepted. Stored entries are views into `zip`.
 */
export function extractEntry(zip: Buffer, entry: ZipEntry): Buffer {
  if (entry.encrypted) throw entryError(entry.name, 'is encrypted; package it again without a password');
  const compressed = zip.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let data: Buffer;
  if (entry.method === METHOD_STORED) {
    data = compressed;
  } else if (entry.method === METHOD_DEFLATE) {
    data = inflate(entry, compressed);
  } else {
    throw entryError(entry.name, unsupportedMethodText(entry.method));
  }
  if (data.length !== entry.uncompressedSize) {
    throw entryError(
      entry.name,
      `holds ${data.length} bytes but declares ${entry.uncompressedSize} (corrupt archive)`,
    );
  }
  const actual = crc32(data) >>> 0;
  if (actual !== entry.crc32) {
    throw entryError(
      entry.name,
      `CRC-32 mismatch (declared ${hex32(entry.crc32)}, computed ${hex32(actual)}): the archive is corrupt`,
    );
  }
  return data;
}

export function unsupportedMethodText(method: number): string {
  return `uses compression method ${method}, which is not supported (only stored and deflate are)`;
}

function inflate(entry: ZipEntry, compressed: Buffer): Buffer {
  try {
    // maxOutputLength must be at least 1; a declared 0 that inflates to 1 byte fails the size check.
    return inflateRawSync(compressed, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
  } catch (error) {
    if (error instanceof RangeError) {
      throw entryError(
        entry.name,
        `inflates to more than its declared ${entry.uncompressedSize} bytes (corrupt archive or a zip bomb)`,
      );
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw entryError(entry.name, `the compressed data is corrupt (${reason})`);
  }
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
