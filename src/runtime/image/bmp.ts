/**
 * A BMP decoder, because sharp (libvips) has none and the shared test photos are BMPs.
 * Reads the header first (so the caller can refuse huge images before anything is
 * allocated), then the pixels into 8-bit RGB.
 *
 * Supported: OS/2 core (12-byte), BITMAPINFOHEADER (40), its Adobe V2/V3 variants (52, 56),
 * V4 (108) and V5 (124) headers; 1/4/8-bit palettes, 16-bit (5-5-5 or BI_BITFIELDS),
 * 24-bit, 32-bit (BI_RGB or BI_BITFIELDS, with alpha); bottom-up and top-down rows.
 * RLE and embedded JPEG/PNG are refused. Colour profiles in V4/V5 headers are ignored: the
 * pixels are taken as sRGB, which is what nearly every BMP writer means.
 */
import type { RgbImage } from '../types';
import { ImageError } from './imageError';

const FILE_HEADER_BYTES = 14;
const CORE_HEADER_BYTES = 12;
const INFO_HEADER_SIZES = new Set([40, 52, 56, 108, 124]);
/** Every DIB header size in the wild (64 is OS/2 2.x, recognised only to be refused clearly). */
const KNOWN_HEADER_SIZES = new Set([CORE_HEADER_BYTES, 64, ...INFO_HEADER_SIZES]);

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_JPEG = 4;
const BI_PNG = 5;
const BI_ALPHABITFIELDS = 6;

export interface BitMasks {
  r: number;
  g: number;
  b: number;
  /** 0 when the pixels carry no alpha. */
  a: number;
}

export interface BmpHeader {
  width: number;
  height: number;
  /** Rows stored top row first (negative height in the header). */
  topDown: boolean;
  bitsPerPixel: number;
  /** Where the pixel rows start in the file. */
  dataOffset: number;
  /** RGB triples for 1/4/8-bit images, empty otherwise. */
  palette: Uint8Array;
  /** Channel masks for 16- and 32-bit images. */
  masks: BitMasks | undefined;
}

function corrupt(reason: string): ImageError {
  return new ImageError(`the BMP is truncated or corrupt: ${reason}`);
}

/** Bounds-checked little-endian reads: a short file is a corrupt file, never a RangeError. */
class Reader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(offset: number, size: number): void {
    if (offset + size > this.bytes.length) {
      throw corrupt(`the header needs ${offset + size} bytes, the file has ${this.bytes.length}`);
    }
  }
  u16(offset: number): number {
    this.need(offset, 2);
    return this.view.getUint16(offset, true);
  }
  u32(offset: number): number {
    this.need(offset, 4);
    return this.view.getUint32(offset, true);
  }
  i32(offset: number): number {
    this.need(offset, 4);
    return this.view.getInt32(offset, true);
  }
}

/**
 * "BM" alone is too weak a signature (a text file may start with it): the DIB header size
 * after the file header must be one BMP writers use. A file too short to tell counts as a
 * BMP, so that it is reported as a truncated one.
 */
export function looksLikeBmp(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) return false;
  if (bytes.length < FILE_HEADER_BYTES + 4) return true;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return KNOWN_HEADER_SIZES.has(view.getUint32(FILE_HEADER_BYTES, true));
}

/** Parses the file and DIB headers, the masks and the palette; reads no pixels. */
export function readBmpHeader(bytes: Uint8Array): BmpHeader {
  const reader = new Reader(bytes);
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) {
    throw corrupt('it does not start with "BM"');
  }
  const dataOffset = reader.u32(10);
  const dibSize = reader.u32(FILE_HEADER_BYTES);
  if (dibSize === CORE_HEADER_BYTES) {
    return readCoreHeader(reader, dataOffset);
  }
  if (!INFO_HEADER_SIZES.has(dibSize)) {
    throw new ImageError(
      `the BMP has a ${dibSize}-byte header, which is not supported: save it as a Windows BMP (24-bit) or PNG`,
    );
  }
  return readInfoHeader(reader, dibSize, dataOffset);
}

/** OS/2 1.x: 16-bit unsigned sizes, always bottom-up, 3-byte palette entries. */
function readCoreHeader(reader: Reader, dataOffset: number): BmpHeader {
  const width = reader.u16(18);
  const height = reader.u16(20);
  const bitsPerPixel = reader.u16(24);
  checkBitsPerPixel(bitsPerPixel, [1, 4, 8, 24]);
  const paletteStart = FILE_HEADER_BYTES + CORE_HEADER_BYTES;
  const palette = bitsPerPixel <= 8 ? readPalette(reader, paletteStart, 1 << bitsPerPixel, 3) : new Uint8Array(0);
  return checkGeometry({ width, height, topDown: false, bitsPerPixel, dataOffset, palette, masks: undefined }, paletteStart);
}

function readInfoHeader(reader: Reader, dibSize: number, dataOffset: number): BmpHeader {
  const width = reader.i32(18);
  const signedHeight = reader.i32(22);
  const bitsPerPixel = reader.u16(28);
  const compression = reader.u32(30);
  const colorsUsed = reader.u32(46);
  refuseCompression(compression);
  const bitfields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  checkBitsPerPixel(bitsPerPixel, bitfields ? [16, 32] : [1, 4, 8, 16, 24, 32]);
  // A 40-byte header with bit fields is followed by the masks (3 or 4 dwords); from V2 on
  // the masks are part of the header itself. Either way they sit at the same file offsets.
  const trailingMasks = dibSize === 40 && bitfields ? (compression === BI_ALPHABITFIELDS ? 16 : 12) : 0;
  const paletteStart = FILE_HEADER_BYTES + dibSize + trailingMasks;
  const masks = bitfields
    ? readMasks(reader, dibSize >= 56 || compression === BI_ALPHABITFIELDS)
    : defaultMasks(bitsPerPixel);
  const paletteSize = Math.min(colorsUsed === 0 ? 2 ** bitsPerPixel : colorsUsed, 256);
  const palette = bitsPerPixel <= 8 ? readPalette(reader, paletteStart, paletteSize, 4) : new Uint8Array(0);
  const header = {
    width,
    height: Math.abs(signedHeight),
    topDown: signedHeight < 0,
    bitsPerPixel,
    dataOffset,
    palette,
    masks,
  };
  return checkGeometry(header, paletteStart);
}

function refuseCompression(compression: number): void {
  if (compression === BI_RLE8 || compression === BI_RLE4) {
    throw new ImageError('the BMP is RLE-compressed, which is not supported: save it uncompressed (24-bit) or as PNG');
  }
  if (compression === BI_JPEG || compression === BI_PNG) {
    throw new ImageError('the BMP wraps JPEG or PNG data, which is not supported: send the JPEG or PNG file itself');
  }
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new ImageError(`the BMP uses compression method ${compression}, which is not supported: save it uncompressed (24-bit) or as PNG`);
  }
}

function checkBitsPerPixel(bitsPerPixel: number, allowed: number[]): void {
  if (!allowed.includes(bitsPerPixel)) {
    throw new ImageError(
      `the BMP has ${bitsPerPixel} bits per pixel, which is not supported here (${allowed.join(', ')} are): save it as 24-bit BMP or PNG`,
    );
  }
}

function readMasks(reader: Reader, withAlpha: boolean): BitMasks {
  const masks = { r: reader.u32(54), g: reader.u32(58), b: reader.u32(62), a: withAlpha ? reader.u32(66) : 0 };
  for (const mask of [masks.r, masks.g, masks.b, masks.a]) {
    if (mask !== 0 && !isContiguous(mask)) {
      throw corrupt(`the channel mask 0x${mask.toString(16)} is not a run of bits`);
    }
  }
  return masks;
}

function isContiguous(mask: number): boolean {
  const shifted = mask >>> trailingZeros(mask);
  return (shifted & (shifted + 1)) === 0;
}

/** BI_RGB layouts: 16-bit is 5-5-5 (top bit unused), 32-bit is B, G, R, then alpha or padding. */
function defaultMasks(bitsPerPixel: number): BitMasks | undefined {
  if (bitsPerPixel === 16) return { r: 0x7c00, g: 0x03e0, b: 0x001f, a: 0 };
  if (bitsPerPixel === 32) return { r: 0x00ff0000, g: 0x0000ff00, b: 0x000000ff, a: 0xff000000 };
  return undefined;
}

/** Palette entries are stored B, G, R (then a padding byte unless `entryBytes` is 3). */
function readPalette(reader: Reader, start: number, count: number, entryBytes: number): Uint8Array {
  const end = start + count * entryBytes;
  if (end > reader.bytes.length) {
    throw corrupt(`the palette needs ${end} bytes, the file has ${reader.bytes.length}`);
  }
  const palette = new Uint8Array(count * 3);
  for (let i = 0; i < count; i++) {
    const at = start + i * entryBytes;
    palette[i * 3] = reader.bytes[at + 2] ?? 0;
    palette[i * 3 + 1] = reader.bytes[at + 1] ?? 0;
    palette[i * 3 + 2] = reader.bytes[at] ?? 0;
  }
  return palette;
}

function checkGeometry(header: BmpHeader, headersEnd: number): BmpHeader {
  if (header.width <= 0 || header.height <= 0) {
    throw corrupt(`the header says ${header.width}×${header.height} pixels`);
  }
  if (header.dataOffset < headersEnd) {
    throw corrupt(`the pixel data offset ${header.dataOffset} points into the headers`);
  }
  return header;
}

/** Bytes per stored row: rows are padded to a multiple of 4 bytes. */
export function bmpRowStride(header: BmpHeader): number {
  return Math.ceil((header.width * header.bitsPerPixel) / 32) * 4;
}

/** Decodes the pixels described by `header` (from readBmpHeader on the same bytes). */
export function decodeBmp(bytes: Uint8Array, header: BmpHeader): RgbImage {
  const stride = bmpRowStride(header);
  // The last row's padding is often missing in files written by careless encoders: only
  // the bytes that hold pixels are required.
  const needed = header.dataOffset + stride * (header.height - 1) + Math.ceil((header.width * header.bitsPerPixel) / 8);
  if (needed > bytes.length) {
    throw corrupt(`the pixels need ${needed} bytes, the file has ${bytes.length}`);
  }
  const out = new Uint8Array(header.width * header.height * 3);
  const decodeRow = rowDecoder(bytes, header);
  for (let y = 0; y < header.height; y++) {
    const storedRow = header.topDown ? y : header.height - 1 - y;
    decodeRow(header.dataOffset + storedRow * stride, out, y * header.width * 3);
  }
  return { width: header.width, height: header.height, data: out };
}

type RowDecoder = (rowStart: number, out: Uint8Array, outStart: number) => void;

function rowDecoder(bytes: Uint8Array, header: BmpHeader): RowDecoder {
  if (header.bitsPerPixel <= 8) return paletteRowDecoder(bytes, header);
  if (header.bitsPerPixel === 24) return bgrRowDecoder(bytes, header.width);
  return maskedRowDecoder(bytes, header);
}

function paletteRowDecoder(bytes: Uint8Array, header: BmpHeader): RowDecoder {
  const { width, bitsPerPixel, palette } = header;
  const colors = palette.length / 3;
  const perByte = 8 / bitsPerPixel;
  const indexMask = (1 << bitsPerPixel) - 1;
  return (rowStart, out, outStart) => {
    for (let x = 0; x < width; x++) {
      const byte = bytes[rowStart + Math.floor(x / perByte)] ?? 0;
      // The leftmost pixel sits in the most significant bits of its byte.
      const shift = 8 - bitsPerPixel * ((x % perByte) + 1);
      const index = (byte >> shift) & indexMask;
      if (index >= colors) {
        throw corrupt(`a pixel uses colour ${index}, the palette has ${colors}`);
      }
      out[outStart + x * 3] = palette[index * 3] ?? 0;
      out[outStart + x * 3 + 1] = palette[index * 3 + 1] ?? 0;
      out[outStart + x * 3 + 2] = palette[index * 3 + 2] ?? 0;
    }
  };
}

function bgrRowDecoder(bytes: Uint8Array, width: number): RowDecoder {
  return (rowStart, out, outStart) => {
    for (let x = 0; x < width; x++) {
      const at = rowStart + x * 3;
      out[outStart + x * 3] = bytes[at + 2] ?? 0;
      out[outStart + x * 3 + 1] = bytes[at + 1] ?? 0;
      out[outStart + x * 3 + 2] = bytes[at] ?? 0;
    }
  };
}

/** One channel of a bit-field pixel: where it sits and how to stretch it to 0–255. */
interface Channel {
  mask: number;
  shift: number;
  max: number;
}

function channelOf(mask: number): Channel {
  const shift = mask === 0 ? 0 : trailingZeros(mask);
  return { mask, shift, max: mask >>> shift };
}

function channelValue(pixel: number, channel: Channel): number {
  if (channel.max === 0) return 0;
  const value = (pixel & channel.mask) >>> channel.shift;
  return Math.round((value * 255) / channel.max);
}

function trailingZeros(value: number): number {
  return 31 - Math.clz32(value & -value);
}

/** 16- and 32-bit pixels, read as little-endian words and split by the channel masks. */
function maskedRowDecoder(bytes: Uint8Array, header: BmpHeader): RowDecoder {
  const masks = header.masks ?? { r: 0, g: 0, b: 0, a: 0 };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bytesPerPixel = header.bitsPerPixel / 8;
  const read = bytesPerPixel === 2 ? (at: number) => view.getUint16(at, true) : (at: number) => view.getUint32(at, true);
  const [r, g, b] = [channelOf(masks.r), channelOf(masks.g), channelOf(masks.b)];
  const alpha = hasAnyAlpha(header, read) ? channelOf(masks.a) : undefined;
  return (rowStart, out, outStart) => {
    for (let x = 0; x < header.width; x++) {
      const pixel = read(rowStart + x * bytesPerPixel);
      const a = alpha === undefined ? 255 : channelValue(pixel, alpha);
      out[outStart + x * 3] = onWhite(channelValue(pixel, r), a);
      out[outStart + x * 3 + 1] = onWhite(channelValue(pixel, g), a);
      out[outStart + x * 3 + 2] = onWhite(channelValue(pixel, b), a);
    }
  };
}

/**
 * Whether the alpha bits are in use. Most 32-bit writers leave the fourth byte at zero
 * (BI_RGB even defines it as padding), so an alpha channel that is zero everywhere means
 * "no alpha", not "invisible"; browsers read such files the same way.
 */
function hasAnyAlpha(header: BmpHeader, read: (at: number) => number): boolean {
  const mask = header.masks?.a ?? 0;
  if (mask === 0) return false;
  const stride = bmpRowStride(header);
  const bytesPerPixel = header.bitsPerPixel / 8;
  for (let y = 0; y < header.height; y++) {
    const rowStart = header.dataOffset + y * stride;
    for (let x = 0; x < header.width; x++) {
      if ((read(rowStart + x * bytesPerPixel) & mask) !== 0) return true;
    }
  }
  return false;
}

/** Composites a colour with coverage `alpha` over white, as decode.ts does for other formats. */
function onWhite(value: number, alpha: number): number {
  return alpha === 255 ? value : Math.round((value * alpha + 255 * (255 - alpha)) / 255);
}
