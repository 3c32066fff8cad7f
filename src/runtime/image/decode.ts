/**
 * Image bytes (as a client sends them) → 8-bit RGB pixels. JPEG, PNG, GIF and WebP go
 * through sharp (libvips); BMP through bmp.ts. Whatever is wrong with the input comes out
 * as an ImageError saying what and what to do, so the service can answer 400 with it.
 *
 * Decisions:
 * - The format is sniffed from the magic bytes: clients send bytes, not file names.
 * - The pixel count is checked from the header, before any pixel is decoded, so a small
 *   file claiming a huge size (a decompression bomb) costs nothing.
 * - EXIF orientation is applied: the picture is classified the way people see it.
 * - Transparency is flattened onto white: classifiers are trained on opaque photos, and
 *   white is what a transparent PNG looks like on a web page, which is what its author saw.
 * - Grey, CMYK and 16-bit images become 8-bit sRGB with 3 channels.
 * - GIF and WebP animations: the first frame only.
 * - Shrink on load: given the size the image will be resized to, a JPEG is decoded at 1/2,
 *   1/4 or 1/8 scale (libjpeg's DCT scaling, through sharp) while it stays at least that
 *   size. A 12-megapixel photo for a 224×224 model then decodes ~10× faster; the bilinear
 *   resize that follows sees a properly filtered smaller image, not an aliased one.
 */
import sharp from 'sharp';
import type { Resize } from '../../pipeline/types';
import type { RgbImage } from '../types';
import { decodeBmp, looksLikeBmp, readBmpHeader } from './bmp';
import { ImageError } from './imageError';

export { ImageError } from './imageError';

export interface DecodeLimits {
  /** Largest accepted input, in bytes. */
  maxBytes: number;
  /** Largest accepted width × height, checked before decoding. */
  maxPixels: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({
  maxBytes: 32 * 1024 * 1024,
  maxPixels: 40_000_000,
});

type SharpFormat = 'jpeg' | 'png' | 'gif' | 'webp';
type ImageFormat = SharpFormat | 'bmp';

const FORMAT_NAMES: Record<ImageFormat, string> = { jpeg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP', bmp: 'BMP' };

/** Largest JPEG shrink-on-load factor libjpeg offers. */
const SHRINK_FACTORS = [8, 4, 2];

/**
 * `target`: the size the caller resizes to next (a pipeline's resize); the decoder may then
 * return a smaller JPEG, never smaller than the target.
 */
export async function decodeImage(bytes: Uint8Array, limits?: Partial<DecodeLimits>, target?: Resize): Promise<RgbImage> {
  const maxBytes = limits?.maxBytes ?? DEFAULT_DECODE_LIMITS.maxBytes;
  const maxPixels = limits?.maxPixels ?? DEFAULT_DECODE_LIMITS.maxPixels;
  checkSize(bytes.length, maxBytes);
  const format = sniffFormat(bytes);
  if (format === undefined) {
    throw new ImageError('not a supported image: expected JPEG, PNG, BMP, GIF or WebP; convert the file to one of these');
  }
  return format === 'bmp' ? decodeBmpImage(bytes, maxPixels) : decodeWithSharp(bytes, format, maxPixels, target);
}

function checkSize(size: number, maxBytes: number): void {
  if (size === 0) {
    throw new ImageError('the image is empty (0 bytes): send the contents of an image file');
  }
  if (size > maxBytes) {
    throw new ImageError(`the image is ${mebibytes(size)}, over the limit of ${mebibytes(maxBytes)}: send a smaller file`);
  }
}

function mebibytes(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));

/** The format named by the first bytes, or undefined for anything else (text, TIFF, ...). */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  if (looksLikeBmp(bytes)) return 'bmp';
  return undefined;
}

function checkPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new ImageError(
      `the image is ${width}×${height} (${megapixels(width * height)} megapixels), ` +
        `over the limit of ${megapixels(maxPixels)} megapixels: scale it down first`,
    );
  }
}

function megapixels(pixels: number): string {
  const value = pixels / 1_000_000;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function decodeBmpImage(bytes: Uint8Array, maxPixels: number): RgbImage {
  const header = readBmpHeader(bytes);
  checkPixels(header.width, header.height, maxPixels);
  return decodeBmp(bytes, header);
}

async function decodeWithSharp(bytes: Uint8Array, format: SharpFormat, maxPixels: number, target: Resize | undefined): Promise<RgbImage> {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // metadata() parses headers only; sharp's own pixel limit would refuse a bomb here with
  // a vaguer message, so it is off for this step and checked by checkPixels instead.
  const meta = await withSharp(format, () => sharp(input, { pages: 1, limitInputPixels: false, failOn: 'error' }).metadata());
  if (!meta.width || !meta.height) {
    throw new ImageError(`the ${FORMAT_NAMES[format]} is truncated or corrupt: its header has no size`);
  }
  checkPixels(meta.width, meta.height, maxPixels);
  // EXIF orientations 5–8 swap width and height.
  const [width, height] = (meta.orientation ?? 1) >= 5 ? [meta.height, meta.width] : [meta.width, meta.height];
  const shrink = format === 'jpeg' ? shrinkFactor(width, height, target) : 1;
  const { data, info } = await withSharp(format, () => {
    const image = sharp(input, { pages: 1, limitInputPixels: Math.max(1, Math.floor(maxPixels)), failOn: 'error' });
    if ((meta.orientation ?? 1) !== 1) image.rotate();
    // The exact 1/shrink size is what libjpeg's scaled decode gives, so sharp's resize after it has nothing left to do.
    if (shrink > 1) image.resize({ width: Math.ceil(width / shrink), height: Math.ceil(height / shrink), fit: 'fill', fastShrinkOnLoad: true });
    // Most photos are already 8-bit sRGB without alpha: each operation skipped is a pass over the pixels saved.
    const plainRgb = meta.channels === 3 && !meta.hasAlpha && meta.space === 'srgb' && meta.depth === 'uchar';
    if (!plainRgb) image.flatten({ background: '#ffffff' }).toColourspace('srgb').removeAlpha();
    return image.raw().toBuffer({ resolveWithObject: true });
  });
  return { width: info.width, height: info.height, data: toRgb(data, info.channels) };
}

/** The largest JPEG scale-down that keeps the image at least as large as `target` asks. */
function shrinkFactor(width: number, height: number, target: Resize | undefined): number {
  if (target === undefined) return 1;
  const fits = (factor: number): boolean =>
    'shorterSide' in target ? Math.min(width, height) / factor >= target.shorterSide : width / factor >= target.width && height / factor >= target.height;
  return SHRINK_FACTORS.find(fits) ?? 1;
}

/** Runs a sharp call; any failure becomes an ImageError without libvips' prefixes or stack. */
async function withSharp<T>(format: SharpFormat, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new ImageError(`the ${FORMAT_NAMES[format]} is truncated or corrupt: ${sharpReason(error)}`);
  }
}

/** "Input buffer has corrupt header: VipsJpeg: premature end of JPEG image" → the last part. */
function sharpReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n').find((line) => line.trim() !== '') ?? '';
  const reason = firstLine.replace(/^(?:[A-Za-z_ ]+:\s*)+/, '').trim();
  return reason === '' ? 'it could not be decoded' : reason.slice(0, 200);
}

/**
 * sharp's pipeline above yields 3 channels for every input seen; this keeps the RgbImage
 * contract even if a libvips version answers otherwise (grey is repeated, extras dropped).
 */
function toRgb(data: Buffer, channels: number): Uint8Array {
  const rgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (channels === 3) return rgb;
  const pixels = data.length / channels;
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < 3; c++) {
      out[i * 3 + c] = rgb[i * channels + (channels >= 3 ? c : 0)] ?? 0;
    }
  }
  return out;
}
