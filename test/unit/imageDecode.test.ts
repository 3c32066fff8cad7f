/**
 * decodeImage: the shared photos, every BMP layout the decoder claims (written here byte by
 * byte), sharp's formats in their awkward variants (grey, alpha, 16-bit, CMYK, animated,
 * rotated), and every refusal, which must be an ImageError with a useful message.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { UserError } from '../../src/common/errors';
import { decodeImage, DEFAULT_DECODE_LIMITS, ImageError } from '../../src/runtime/image/decode';
import type { RgbImage } from '../../src/runtime/types';
import { pngChunk, REPO_ROOT } from './helpers/fixtures';

const IMAGES = join(REPO_ROOT, '..', 'shared', 'images');

function photo(name: string): Buffer {
  return readFileSync(join(IMAGES, name));
}

function pixelAt(image: RgbImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 3;
  return Array.from(image.data.subarray(at, at + 3));
}

function assertNear(actual: number[], expected: number[], tolerance: number, what = 'pixel'): void {
  assert.ok(
    actual.length === expected.length && actual.every((value, i) => Math.abs(value - (expected[i] ?? NaN)) <= tolerance),
    `${what}: [${actual.join(', ')}] is not within ${tolerance} of [${expected.join(', ')}]`,
  );
}

/** Resolves to the ImageError the decode fails with; fails the test on success or any other error. */
async function decodeError(bytes: Uint8Array, limits?: Parameters<typeof decodeImage>[1]): Promise<ImageError> {
  const error = await decodeImage(bytes, limits).then(
    () => assert.fail('the image decoded'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ImageError, `expected an ImageError, got ${String(error)}`);
  assert.ok(error instanceof UserError);
  assert.doesNotMatch(error.message, /\n|vips|\bat /i, 'no libvips prefixes or stack in the message');
  return error;
}

// ---------------------------------------------------------------------------------------
// A BMP writer, so that every layout can be checked against pixels known in advance.

interface BmpSpec {
  width: number;
  height: number;
  bitsPerPixel: 1 | 4 | 8 | 16 | 24 | 32;
  /** DIB header size: 12 (OS/2 core), 40, 56, 108 or 124. */
  headerSize?: number;
  compression?: number;
  /** r, g, b, a masks, written into the header (or after a 40-byte one). */
  masks?: [number, number, number, number];
  palette?: [number, number, number][];
  /** 0 means "2^bitsPerPixel" (the default). */
  colorsUsed?: number;
  topDown?: boolean;
  /** The stored value of pixel (x, y): a palette index, a packed word, or 0xRRGGBB for 24-bit. */
  value: (x: number, y: number) => number;
}

function writeBmp(spec: BmpSpec): Buffer {
  const headerSize = spec.headerSize ?? 40;
  const compression = spec.compression ?? 0;
  const core = headerSize === 12;
  const trailingMasks = headerSize === 40 && spec.masks !== undefined ? (compression === 6 ? 16 : 12) : 0;
  const palette = spec.palette ?? [];
  const paletteBytes = palette.length * (core ? 3 : 4);
  const stride = Math.ceil((spec.width * spec.bitsPerPixel) / 32) * 4;
  const dataOffset = 14 + headerSize + trailingMasks + paletteBytes;
  const file = Buffer.alloc(dataOffset + stride * spec.height);
  file.write('BM', 0, 'ascii');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(dataOffset, 10);
  writeDibHeader(file, spec, headerSize, compression);
  writePalette(file, palette, 14 + headerSize + trailingMasks, core);
  for (let stored = 0; stored < spec.height; stored++) {
    const y = spec.topDown ? stored : spec.height - 1 - stored;
    writeRow(file, spec, dataOffset + stored * stride, y);
  }
  return file;
}

function writeDibHeader(file: Buffer, spec: BmpSpec, headerSize: number, compression: number): void {
  file.writeUInt32LE(headerSize, 14);
  if (headerSize === 12) {
    file.writeUInt16LE(spec.width, 18);
    file.writeUInt16LE(spec.height, 20);
    file.writeUInt16LE(1, 22);
    file.writeUInt16LE(spec.bitsPerPixel, 24);
    return;
  }
  file.writeInt32LE(spec.width, 18);
  file.writeInt32LE(spec.topDown ? -spec.height : spec.height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(spec.bitsPerPixel, 28);
  file.writeUInt32LE(compression, 30);
  file.writeUInt32LE(2835, 38);
  file.writeUInt32LE(2835, 42);
  file.writeUInt32LE(spec.colorsUsed ?? 0, 46);
  spec.masks?.forEach((mask, i) => {
    if (i < 3 || headerSize >= 56 || compression === 6) file.writeUInt32LE(mask, 54 + i * 4);
  });
  if (headerSize >= 108) file.write('BGRs', 70, 'ascii');
}

function writePalette(file: Buffer, palette: [number, number, number][], start: number, core: boolean): void {
  palette.forEach(([r, g, b], i) => {
    const at = start + i * (core ? 3 : 4);
    file[at] = b;
    file[at + 1] = g;
    file[at + 2] = r;
  });
}

function writeRow(file: Buffer, spec: BmpSpec, rowStart: number, y: number): void {
  for (let x = 0; x < spec.width; x++) {
    const value = spec.value(x, y);
    if (spec.bitsPerPixel < 8) {
      const at = rowStart + Math.floor((x * spec.bitsPerPixel) / 8);
      const shift = 8 - spec.bitsPerPixel * ((x % (8 / spec.bitsPerPixel)) + 1);
      file[at] = (file[at] ?? 0) | (value << shift);
    } else if (spec.bitsPerPixel === 8) {
      file[rowStart + x] = value;
    } else if (spec.bitsPerPixel === 16) {
      file.writeUInt16LE(value, rowStart + x * 2);
    } else if (spec.bitsPerPixel === 24) {
      file[rowStart + x * 3] = value & 0xff;
      file[rowStart + x * 3 + 1] = (value >> 8) & 0xff;
      file[rowStart + x * 3 + 2] = (value >> 16) & 0xff;
    } else {
      file.writeUInt32LE(value >>> 0, rowStart + x * 4);
    }
  }
}

const PALETTE: [number, number, number][] = [
  [0, 0, 0],
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 255],
  [12, 34, 56],
];

/** An RGB colour that differs in every pixel of a small image. */
function colourAt(x: number, y: number): [number, number, number] {
  return [(x * 40 + 5) % 256, (y * 50 + 7) % 256, (x * y * 13 + 100) % 256];
}

async function decodeBmpAndCheck(spec: BmpSpec, expected: (x: number, y: number) => number[], tolerance = 0): Promise<void> {
  const decoded = await decodeImage(writeBmp(spec));
  assert.equal(decoded.width, spec.width);
  assert.equal(decoded.height, spec.height);
  assert.equal(decoded.data.length, spec.width * spec.height * 3);
  for (let y = 0; y < spec.height; y++) {
    for (let x = 0; x < spec.width; x++) {
      assertNear(pixelAt(decoded, x, y), expected(x, y), tolerance, `pixel (${x}, ${y})`);
    }
  }
}

// ---------------------------------------------------------------------------------------
// PNG chunks, for images that lie about themselves.

/** A valid-looking PNG whose IHDR claims width × height, with a tiny IDAT. */
function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(16))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function solid(width: number, height: number, background: sharp.Color, channels: 3 | 4 = 3): sharp.Sharp {
  return sharp({ create: { width, height, channels, background } });
}

// ---------------------------------------------------------------------------------------

describe('decodeImage on the shared photos', () => {
  // Sizes read with `file` from the BMP/JPEG headers.
  const sizes: Record<string, [number, number]> = {
    'bird.bmp': [512, 343],
    'cat.bmp': [512, 341],
    'grace_hopper.bmp': [512, 600],
    'cat_720p.jpg': [1280, 720],
    'hot_dog.jpg': [512, 384],
    'parrot.jpg': [512, 929],
  };
  for (const [name, [width, height]] of Object.entries(sizes)) {
    it(`decodes ${name} to ${width}×${height} RGB`, async () => {
      const decoded = await decodeImage(photo(name));
      assert.equal(decoded.width, width);
      assert.equal(decoded.height, height);
      assert.equal(decoded.data.length, width * height * 3);
      assert.ok(decoded.data instanceof Uint8Array);
    });
  }

  it('reads cat.bmp (bottom-up, 24-bit, V5 header) pixel for pixel from the file', async () => {
    const file = photo('cat.bmp');
    const decoded = await decodeImage(file);
    const dataOffset = file.readUInt32LE(10);
    const stride = Math.ceil((512 * 24) / 32) * 4;
    const stored = (x: number, row: number): number[] => {
      const at = dataOffset + row * stride + x * 3;
      return [file[at + 2] ?? -1, file[at + 1] ?? -1, file[at] ?? -1];
    };
    assert.deepEqual(pixelAt(decoded, 0, 0), stored(0, 340));
    assert.deepEqual(pixelAt(decoded, 511, 0), stored(511, 340));
    assert.deepEqual(pixelAt(decoded, 17, 340), stored(17, 0));
    assert.deepEqual(pixelAt(decoded, 300, 200), stored(300, 140));
  });
});

describe('decodeImage on BMP layouts', () => {
  it('24-bit, bottom-up, rows padded to 4 bytes', async () => {
    const spec: BmpSpec = { width: 3, height: 2, bitsPerPixel: 24, value: (x, y) => packRgb(colourAt(x, y)) };
    await decodeBmpAndCheck(spec, colourAt);
  });

  it('24-bit, top-down (negative height)', async () => {
    const spec: BmpSpec = { width: 5, height: 3, bitsPerPixel: 24, topDown: true, value: (x, y) => packRgb(colourAt(x, y)) };
    await decodeBmpAndCheck(spec, colourAt);
  });

  it('24-bit with V4 (108-byte) and V5 (124-byte) headers', async () => {
    for (const headerSize of [108, 124]) {
      await decodeBmpAndCheck({ width: 2, height: 2, bitsPerPixel: 24, headerSize, value: (x, y) => packRgb(colourAt(x, y)) }, colourAt);
    }
  });

  it('1-bit palette, a width that is not a multiple of 8', async () => {
    const spec: BmpSpec = { width: 11, height: 3, bitsPerPixel: 1, palette: [[10, 20, 30], [200, 210, 220]], value: (x, y) => (x + y) % 2 };
    await decodeBmpAndCheck(spec, (x, y) => ((x + y) % 2 === 0 ? [10, 20, 30] : [200, 210, 220]));
  });

  it('4-bit palette, an odd width', async () => {
    const spec: BmpSpec = { width: 5, height: 2, bitsPerPixel: 4, palette: PALETTE, colorsUsed: 6, value: (x, y) => (x + y) % 6 };
    await decodeBmpAndCheck(spec, (x, y) => PALETTE[(x + y) % 6] ?? []);
  });

  it('8-bit palette with fewer colours than 256, top-down', async () => {
    const spec: BmpSpec = { width: 3, height: 3, bitsPerPixel: 8, palette: PALETTE, colorsUsed: 6, topDown: true, value: (x, y) => (x * 3 + y) % 6 };
    await decodeBmpAndCheck(spec, (x, y) => PALETTE[(x * 3 + y) % 6] ?? []);
  });

  it('8-bit palette with an OS/2 core header (3-byte palette entries)', async () => {
    const palette = Array.from({ length: 256 }, (_, i): [number, number, number] => [i, 255 - i, (i * 7) % 256]);
    const spec: BmpSpec = { width: 4, height: 2, bitsPerPixel: 8, headerSize: 12, palette, value: (x, y) => x * 50 + y };
    await decodeBmpAndCheck(spec, (x, y) => palette[x * 50 + y] ?? []);
  });

  it('16-bit 5-5-5 (BI_RGB), each 5-bit value stretched to 0–255', async () => {
    const spec: BmpSpec = { width: 3, height: 2, bitsPerPixel: 16, value: (x, y) => (31 << 10) | ((x * 10) << 5) | (y * 31) };
    await decodeBmpAndCheck(spec, (x, y) => [255, Math.round((x * 10 * 255) / 31), y * 255]);
  });

  it('16-bit 5-6-5 (BI_BITFIELDS after a 40-byte header)', async () => {
    const spec: BmpSpec = {
      width: 2,
      height: 2,
      bitsPerPixel: 16,
      compression: 3,
      masks: [0xf800, 0x07e0, 0x001f, 0],
      value: (x, y) => ((x * 31) << 11) | ((y * 63) << 5) | 16,
    };
    await decodeBmpAndCheck(spec, (x, y) => [x * 255, y * 255, Math.round((16 * 255) / 31)]);
  });

  it('32-bit BI_RGB with the fourth byte all zero: opaque, not invisible', async () => {
    const spec: BmpSpec = { width: 3, height: 2, bitsPerPixel: 32, value: (x, y) => packRgb(colourAt(x, y)) };
    await decodeBmpAndCheck(spec, colourAt);
  });

  it('32-bit BI_RGB with alpha in use: flattened onto white', async () => {
    const alphaAt = (x: number): number => [255, 128, 0][x] ?? 255;
    const spec: BmpSpec = { width: 3, height: 1, bitsPerPixel: 32, value: (x) => ((alphaAt(x) << 24) | packRgb([200, 0, 100])) >>> 0 };
    await decodeBmpAndCheck(spec, (x) => [200, 0, 100].map((c) => Math.round((c * alphaAt(x) + 255 * (255 - alphaAt(x))) / 255)));
  });

  it('32-bit BI_BITFIELDS with alpha in a V5 header, channels in unusual places', async () => {
    // R in the low byte, G next, B next, A on top (RGBA in memory order).
    const spec: BmpSpec = {
      width: 2,
      height: 2,
      bitsPerPixel: 32,
      headerSize: 124,
      compression: 3,
      masks: [0x000000ff, 0x0000ff00, 0x00ff0000, 0xff000000],
      value: (x, y) => ((x === 0 && y === 0 ? 0 : 255) << 24) | (30 << 16) | (20 << 8) | 10,
    };
    await decodeBmpAndCheck(spec, (x, y) => (x === 0 && y === 0 ? [255, 255, 255] : [10, 20, 30]));
  });

  it('refuses RLE compression, saying what to do', async () => {
    const rle = writeBmp({ width: 2, height: 2, bitsPerPixel: 8, compression: 1, palette: PALETTE, value: () => 0 });
    const error = await decodeError(rle);
    assert.equal(error.message, 'the BMP is RLE-compressed, which is not supported: save it uncompressed (24-bit) or as PNG');
  });

  it('refuses truncated pixel data', async () => {
    const whole = writeBmp({ width: 8, height: 8, bitsPerPixel: 24, value: () => 0 });
    const error = await decodeError(whole.subarray(0, whole.length - 30));
    assert.match(error.message, /^the BMP is truncated or corrupt: the pixels need \d+ bytes, the file has \d+$/);
  });

  it('refuses a file that ends inside the header', async () => {
    const whole = writeBmp({ width: 8, height: 8, bitsPerPixel: 24, value: () => 0 });
    assert.match((await decodeError(whole.subarray(0, 20))).message, /^the BMP is truncated or corrupt: /);
    assert.match((await decodeError(Buffer.from('BM'))).message, /^the BMP is truncated or corrupt: /);
  });

  it('refuses palette indexes past the palette, and unknown header sizes', async () => {
    const badIndex = writeBmp({ width: 2, height: 1, bitsPerPixel: 8, palette: PALETTE, colorsUsed: 6, value: () => 9 });
    assert.match((await decodeError(badIndex)).message, /palette has 6/);
    const odd = writeBmp({ width: 2, height: 1, bitsPerPixel: 24, value: () => 0 });
    odd.writeUInt32LE(64, 14);
    assert.match((await decodeError(odd)).message, /^the BMP has a 64-byte header, which is not supported/);
  });

  it('refuses a huge BMP from its header alone, before reading any pixel', async () => {
    const header = writeBmp({ width: 1, height: 1, bitsPerPixel: 24, value: () => 0 });
    header.writeInt32LE(100_000, 18);
    header.writeInt32LE(-50_000, 22);
    const error = await decodeError(header);
    assert.equal(error.message, 'the image is 100000×50000 (5000 megapixels), over the limit of 40 megapixels: scale it down first');
  });
});

describe('decodeImage through sharp', () => {
  it('decodes PNG, lossless WebP and GIF exactly', async () => {
    const source = Buffer.from(Array.from({ length: 4 * 3 }, (_, i) => colourAt(i % 4, Math.floor(i / 4))).flat());
    const raw = sharp(source, { raw: { width: 4, height: 3, channels: 3 } });
    for (const bytes of [await raw.clone().png().toBuffer(), await raw.clone().webp({ lossless: true }).toBuffer()]) {
      const decoded = await decodeImage(bytes);
      assert.deepEqual([decoded.width, decoded.height], [4, 3]);
      assert.deepEqual(Array.from(decoded.data), Array.from(source));
    }
    const gif = await decodeImage(await solid(4, 3, '#336699').gif().toBuffer());
    assert.deepEqual(pixelAt(gif, 3, 2), [0x33, 0x66, 0x99]);
  });

  it('decodes JPEG (lossy: close to the colour)', async () => {
    const decoded = await decodeImage(await solid(16, 16, { r: 200, g: 100, b: 50 }).jpeg({ quality: 95 }).toBuffer());
    assertNear(pixelAt(decoded, 8, 8), [200, 100, 50], 4);
  });

  it('turns grey and grey + alpha PNGs into 3 equal channels', async () => {
    const grey = await decodeImage(await solid(3, 2, { r: 90, g: 90, b: 90 }).toColourspace('b-w').png().toBuffer());
    assert.equal(grey.data.length, 3 * 2 * 3);
    assert.deepEqual(pixelAt(grey, 2, 1), [90, 90, 90]);
    const greyAlpha = await solid(3, 2, { r: 0, g: 0, b: 0, alpha: 0.5 }, 4).toColourspace('b-w').png().toBuffer();
    assert.equal((await sharp(greyAlpha).metadata()).channels, 2, 'the fixture really is grey + alpha');
    const flattened = await decodeImage(greyAlpha);
    assert.equal(flattened.data.length, 3 * 2 * 3);
    assertNear(pixelAt(flattened, 0, 0), [128, 128, 128], 1);
  });

  it('flattens RGBA onto white: transparent is white, half-transparent red is pink', async () => {
    const transparent = await decodeImage(await solid(2, 2, { r: 0, g: 0, b: 0, alpha: 0 }, 4).png().toBuffer());
    assert.deepEqual(pixelAt(transparent, 1, 1), [255, 255, 255]);
    const halfRed = await decodeImage(await solid(2, 2, { r: 255, g: 0, b: 0, alpha: 0.5 }, 4).png().toBuffer());
    assertNear(pixelAt(halfRed, 0, 0), [255, 127, 127], 1);
  });

  it('reduces 16-bit PNGs to 8 bits', async () => {
    const deep = await solid(3, 2, { r: 100, g: 150, b: 200 }).toColourspace('rgb16').png().toBuffer();
    assert.equal((await sharp(deep).metadata()).depth, 'ushort', 'the fixture really is 16-bit');
    const decoded = await decodeImage(deep);
    assert.deepEqual(pixelAt(decoded, 2, 1), [100, 150, 200]);
  });

  it('converts CMYK JPEGs to RGB', async () => {
    // A muted colour, inside the CMYK gamut, so that the round trip keeps it.
    const cmyk = await solid(8, 8, { r: 120, g: 100, b: 80 }).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    assert.equal((await sharp(cmyk).metadata()).space, 'cmyk', 'the fixture really is CMYK');
    const decoded = await decodeImage(cmyk);
    assert.equal(decoded.data.length, 8 * 8 * 3);
    assertNear(pixelAt(decoded, 4, 4), [120, 100, 80], 12);
  });

  it('keeps only the first frame of an animated GIF', async () => {
    const red = await solid(4, 3, '#ff0000').png().toBuffer();
    const blue = await solid(4, 3, '#0000ff').png().toBuffer();
    const animation = await sharp([red, blue], { join: { animated: true } }).gif().toBuffer();
    assert.equal((await sharp(animation).metadata()).pages, 2, 'the fixture really has two frames');
    const decoded = await decodeImage(animation);
    assert.deepEqual([decoded.width, decoded.height], [4, 3]);
    assert.deepEqual(pixelAt(decoded, 0, 0), [255, 0, 0]);
  });

  it('applies the EXIF orientation (6: rotate 90° clockwise)', async () => {
    // Left half red, right half blue, 16×8; turned clockwise, red ends up on top.
    const pixels = Buffer.from(Array.from({ length: 16 * 8 }, (_, i) => (i % 16 < 8 ? [255, 0, 0] : [0, 0, 255])).flat());
    const jpeg = await sharp(pixels, { raw: { width: 16, height: 8, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const decoded = await decodeImage(jpeg);
    assert.deepEqual([decoded.width, decoded.height], [8, 16]);
    assertNear(pixelAt(decoded, 4, 2), [255, 0, 0], 40, 'top');
    assertNear(pixelAt(decoded, 4, 13), [0, 0, 255], 40, 'bottom');
  });

  it('sniffs the format from the bytes, whatever a file name would say', async () => {
    const decoded = await decodeImage(new Uint8Array(photo('cat.bmp')));
    assert.deepEqual([decoded.width, decoded.height], [512, 341]);
    const offset = new Uint8Array(Buffer.concat([Buffer.from('xx'), await solid(2, 2, '#102030').png().toBuffer()])).subarray(2);
    assert.deepEqual(pixelAt(await decodeImage(offset), 1, 1), [0x10, 0x20, 0x30], 'a view into a larger buffer');
  });
});

describe('decodeImage refusals', () => {
  it('refuses empty input', async () => {
    assert.equal((await decodeError(new Uint8Array(0))).message, 'the image is empty (0 bytes): send the contents of an image file');
  });

  it('refuses input over maxBytes before looking at it', async () => {
    const error = await decodeError(photo('hot_dog.jpg'), { maxBytes: 1024 * 1024 / 10 });
    assert.match(error.message, /^the image is 0\.\d MiB, over the limit of 0\.1 MiB: send a smaller file$/);
    assert.equal(DEFAULT_DECODE_LIMITS.maxBytes, 32 * 1024 * 1024);
    assert.equal(DEFAULT_DECODE_LIMITS.maxPixels, 40_000_000);
  });

  it('refuses text and other formats', async () => {
    const expected = 'not a supported image: expected JPEG, PNG, BMP, GIF or WebP; convert the file to one of these';
    assert.equal((await decodeError(photo('LICENSES_images.txt'))).message, expected);
    assert.equal((await decodeError(Buffer.from('{"image": "cat.jpg"}'))).message, expected);
    assert.equal((await decodeError(Buffer.from('BMW and Mercedes, a list of cars'))).message, expected, 'text starting with "BM"');
    assert.equal((await decodeError(await solid(2, 2, '#000').tiff().toBuffer())).message, expected);
  });

  it('refuses a truncated JPEG (the first half of hot_dog.jpg)', async () => {
    const jpeg = photo('hot_dog.jpg');
    const error = await decodeError(jpeg.subarray(0, jpeg.length >> 1));
    assert.match(error.message, /^the JPEG is truncated or corrupt: \S/);
  });

  it('refuses truncated PNG, GIF and WebP', async () => {
    for (const [name, bytes] of [
      ['PNG', await solid(64, 64, '#abcdef').png().toBuffer()],
      ['GIF', await solid(64, 64, '#abcdef').gif().toBuffer()],
      ['WebP', await solid(64, 64, '#abcdef').webp().toBuffer()],
    ] as const) {
      const error = await decodeError(bytes.subarray(0, 40));
      assert.ok(error.message.startsWith(`the ${name} is truncated or corrupt: `), error.message);
    }
  });

  it('refuses a PNG whose header claims 30000×30000, without decoding it', async () => {
    const error = await decodeError(pngClaiming(30000, 30000));
    assert.equal(error.message, 'the image is 30000×30000 (900 megapixels), over the limit of 40 megapixels: scale it down first');
  });

  it('applies a lower maxPixels to real photos', async () => {
    const error = await decodeError(photo('cat_720p.jpg'), { maxPixels: 500_000 });
    assert.equal(error.message, 'the image is 1280×720 (0.9 megapixels), over the limit of 0.5 megapixels: scale it down first');
    const fits = await decodeImage(photo('cat_720p.jpg'), { maxPixels: 1280 * 720 });
    assert.equal(fits.width, 1280);
  });

  it('answers damaged files of every format with ImageError or a picture, never anything else', async () => {
    const random = seededRandom(42);
    const originals = [
      writeBmp({ width: 9, height: 5, bitsPerPixel: 4, palette: PALETTE, colorsUsed: 6, value: (x, y) => (x + y) % 6 }),
      writeBmp({ width: 9, height: 5, bitsPerPixel: 32, headerSize: 124, compression: 3, masks: [0xff, 0xff00, 0xff0000, 0xff000000], value: () => 0x80112233 }),
      await solid(24, 16, '#123456').png().toBuffer(),
      await solid(24, 16, '#123456').jpeg().toBuffer(),
      await solid(24, 16, '#123456').gif().toBuffer(),
      await solid(24, 16, '#123456').webp().toBuffer(),
    ];
    for (const original of originals) {
      for (let round = 0; round < 40; round++) {
        const damaged = Buffer.from(original.subarray(0, 2 + Math.floor(random() * (original.length - 2))));
        for (let flips = 0; flips < round % 4; flips++) {
          const at = 2 + Math.floor(random() * (damaged.length - 2));
          damaged[at] = Math.floor(random() * 256);
        }
        await decodeImage(damaged).then(
          (decoded) => assert.equal(decoded.data.length, decoded.width * decoded.height * 3),
          (error: unknown) => assert.ok(error instanceof ImageError, `${String(error)}`),
        );
      }
    }
  });
});

function packRgb([r, g, b]: number[]): number {
  return ((r ?? 0) << 16) | ((g ?? 0) << 8) | (b ?? 0);
}

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}
