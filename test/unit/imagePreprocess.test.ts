/**
 * preprocessImage: exact numbers on tiny images (resize, crop, channel order, mean/std/scale),
 * agreement with TensorFlow.js's half-pixel-center resize, and the real photos through the
 * MobileNet and ResNet-50 configurations.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../src/common/errors';
import type { PreprocessServiceStage } from '../../src/pipeline/serviceDef';
import { decodeImage, ImageError } from '../../src/runtime/image/decode';
import { preprocessImage, resizedSize } from '../../src/runtime/image/preprocess';
import type { RgbImage } from '../../src/runtime/types';
import { REPO_ROOT } from './helpers/fixtures';

const IMAGES = join(REPO_ROOT, '..', 'shared', 'images');
const PHOTOS = ['bird.bmp', 'cat.bmp', 'grace_hopper.bmp', 'cat_720p.jpg', 'hot_dog.jpg', 'parrot.jpg'];

/** A stage that changes nothing: values come out as the 0–255 pixels, RGB. */
function stage(overrides: Partial<PreprocessServiceStage> = {}): PreprocessServiceStage {
  return {
    type: 'preprocess',
    name: 'preprocess',
    interpolation: 'bilinear',
    channel_order: 'RGB',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    scale: 1,
    ...overrides,
  };
}

const MOBILENET = stage({ resize: { width: 224, height: 224 }, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] });
const RESNET = stage({
  resize: { shorterSide: 256 },
  center_crop: [224, 224],
  channel_order: 'BGR',
  mean: [103.939, 116.779, 123.68],
});

/** Every pixel from `value(x, y, channel)`. */
function image(width: number, height: number, value: (x: number, y: number, c: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = value(x, y, c);
    }
  }
  return { width, height, data };
}

/** 4×2, red = 10 20 30 40 / 50 60 70 80, green = red + 1, blue = red + 2. */
const FOUR_BY_TWO = image(4, 2, (x, y, c) => 10 * (y * 4 + x + 1) + c);

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const difference = Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN));
    assert.ok(difference <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

async function tfjsResize(input: RgbImage, height: number, width: number, method: 'bilinear' | 'nearest'): Promise<Float32Array> {
  const tensor = tf.tensor3d(Float32Array.from(input.data), [input.height, input.width, 3]);
  const resized =
    method === 'bilinear'
      ? tf.image.resizeBilinear(tensor, [height, width], false, true)
      : tf.image.resizeNearestNeighbor(tensor, [height, width], false, true);
  const values = (await resized.data()) as Float32Array;
  tf.dispose([tensor, resized]);
  return values;
}

describe('resizedSize', () => {
  it('keeps the aspect ratio for shorterSide and rounds the other side', () => {
    assert.deepEqual(resizedSize(1280, 720, { shorterSide: 256 }), { width: 455, height: 256 });
    assert.deepEqual(resizedSize(720, 1280, { shorterSide: 256 }), { width: 256, height: 455 });
    assert.deepEqual(resizedSize(512, 341, { shorterSide: 256 }), { width: 384, height: 256 });
    assert.deepEqual(resizedSize(300, 300, { shorterSide: 256 }), { width: 256, height: 256 });
  });

  it('takes exact sizes as they are and leaves the image alone without a resize', () => {
    assert.deepEqual(resizedSize(1280, 720, { width: 224, height: 100 }), { width: 224, height: 100 });
    assert.deepEqual(resizedSize(1280, 720, undefined), { width: 1280, height: 720 });
  });
});

describe('preprocessImage on tiny images', () => {
  it('resizes 4×2 to 2×1 bilinearly with half-pixel centers (each output averages a 2×2 block)', async () => {
    const tensor = await preprocessImage(FOUR_BY_TWO, stage({ resize: { width: 2, height: 1 } }));
    assert.deepEqual(tensor.shape, [1, 2, 3]);
    assert.deepEqual(Array.from(tensor.data), [35, 36, 37, 55, 56, 57]);
  });

  it('resizes 4×2 to 2×1 by nearest neighbour (floor of the scaled pixel center)', async () => {
    const tensor = await preprocessImage(FOUR_BY_TWO, stage({ resize: { width: 2, height: 1 }, interpolation: 'nearest' }));
    assert.deepEqual(Array.from(tensor.data), [60, 61, 62, 80, 81, 82]);
  });

  it('upsamples with clamped edges, as TensorFlow does', async () => {
    const twoPixels = image(2, 1, (x) => (x === 0 ? 0 : 100));
    const tensor = await preprocessImage(twoPixels, stage({ resize: { width: 4, height: 1 } }));
    assert.deepEqual(Array.from(tensor.data).filter((_, i) => i % 3 === 0), [0, 25, 75, 100]);
  });

  it('center-crops without resizing, the odd pixel dropped from the bottom and right', async () => {
    const source = image(5, 4, (x, y) => y * 10 + x);
    const tensor = await preprocessImage(source, stage({ center_crop: [2, 2] }));
    assert.deepEqual(tensor.shape, [2, 2, 3]);
    // top = (4 - 2) / 2 = 1, left = floor((5 - 2) / 2) = 1
    assert.deepEqual(Array.from(tensor.data).filter((_, i) => i % 3 === 0), [11, 12, 21, 22]);
  });

  it('returns the image itself, as floats, with neither resize nor crop', async () => {
    const tensor = await preprocessImage(FOUR_BY_TWO, stage());
    assert.deepEqual(tensor.shape, [2, 4, 3]);
    assert.deepEqual(Array.from(tensor.data), Array.from(FOUR_BY_TWO.data));
  });

  it('swaps to BGR, then applies ((x - mean) / std) * scale with mean and std in BGR order', async () => {
    const pixel = image(1, 1, (_x, _y, c) => [10, 20, 30][c] ?? 0);
    const tensor = await preprocessImage(pixel, stage({ channel_order: 'BGR', mean: [1, 2, 3], std: [2, 4, 8], scale: 0.5 }));
    // B = 30: (30 - 1) / 2 * 0.5; G = 20: (20 - 2) / 4 * 0.5; R = 10: (10 - 3) / 8 * 0.5
    assert.deepEqual(Array.from(tensor.data), [7.25, 2.25, 0.4375]);
  });

  it('keeps RGB order when asked', async () => {
    const pixel = image(1, 1, (_x, _y, c) => [10, 20, 30][c] ?? 0);
    const tensor = await preprocessImage(pixel, stage({ mean: [10, 10, 10], scale: 2 }));
    assert.deepEqual(Array.from(tensor.data), [0, 20, 40]);
  });

  it('blows a single pixel up to any size', async () => {
    const pixel = image(1, 1, () => 200);
    const tensor = await preprocessImage(pixel, MOBILENET);
    assert.deepEqual(tensor.shape, [224, 224, 3]);
    assert.ok(tensor.data.every((value) => Math.abs(value - 72.5 / 127.5) < 1e-6));
  });

  it('crops 224×224 out of a 1280×720 image resized to 455×256', async () => {
    const wide = image(1280, 720, (x, y, c) => (x + y + c) % 256);
    const uncropped = await preprocessImage(wide, stage({ resize: { shorterSide: 256 } }));
    assert.deepEqual(uncropped.shape, [256, 455, 3]);
    const cropped = await preprocessImage(wide, stage({ resize: { shorterSide: 256 }, center_crop: [224, 224] }));
    assert.deepEqual(cropped.shape, [224, 224, 3]);
    // The crop starts at row (256 - 224) / 2 = 16 and column floor((455 - 224) / 2) = 115.
    for (const [y, x] of [[0, 0], [100, 37], [223, 223]] as const) {
      for (let c = 0; c < 3; c++) {
        assert.equal(cropped.data[(y * 224 + x) * 3 + c], uncropped.data[((y + 16) * 455 + x + 115) * 3 + c]);
      }
    }
  });
});

describe('preprocessImage against TensorFlow.js', () => {
  tf.enableProdMode();
  const random = seededRandom(7);
  const source = image(37, 23, () => Math.floor(random() * 256));
  const sizes: [number, number][] = [[11, 16], [23, 37], [50, 29], [7, 90], [1, 1]];

  for (const method of ['bilinear', 'nearest'] as const) {
    it(`matches tf.image ${method} resize (half-pixel centers) when shrinking and enlarging`, async () => {
      for (const [height, width] of sizes) {
        const tensor = await preprocessImage(source, stage({ resize: { width, height }, interpolation: method }));
        assertClose(tensor.data, await tfjsResize(source, height, width, method), 1e-3);
      }
    });
  }
});

describe('preprocessImage refusals', () => {
  it('refuses a crop larger than the resized image with an ImageError', async () => {
    const error = await preprocessImage(FOUR_BY_TWO, stage({ resize: { width: 100, height: 50 }, center_crop: [224, 224] })).catch(
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ImageError);
    assert.equal(error.message, 'the image is 100×50 after resizing, smaller than the 224×224 center crop (width×height): send a larger image');
  });

  it('refuses an image smaller than the crop when there is no resize', async () => {
    await assert.rejects(preprocessImage(FOUR_BY_TWO, stage({ center_crop: [3, 3] })), {
      name: 'ImageError',
      message: 'the image is 4×2, smaller than the 3×3 center crop (width×height): send a larger image',
    });
  });

  it('rejects (never throws synchronously) on a stage that would produce NaNs', async () => {
    const pending = preprocessImage(FOUR_BY_TWO, stage({ std: [1, 0, 1] }));
    await assert.rejects(pending, (error: unknown) => error instanceof UserError && !(error instanceof ImageError) && /std/.test(error.message));
    await assert.rejects(preprocessImage(FOUR_BY_TWO, stage({ resize: { shorterSide: 0 } })), UserError);
  });
});

describe('the shared photos through the featurizer configurations', () => {
  for (const name of PHOTOS) {
    it(`${name}: MobileNet (224×224, mean = std = 127.5) gives [224, 224, 3] in [-1, 1]`, async () => {
      const tensor = await preprocessImage(await decodeImage(readFileSync(join(IMAGES, name))), MOBILENET);
      assert.deepEqual(tensor.shape, [224, 224, 3]);
      assert.equal(tensor.data.length, 224 * 224 * 3);
      assert.ok(tensor.data.every((value) => value >= -1 && value <= 1));
      assert.ok(spread(tensor.data) > 0.1, 'a photo is not flat');
    });

    it(`${name}: ResNet-50 (shorter side 256, crop 224, BGR, caffe means) is the RGB crop reordered minus the means`, async () => {
      const decoded = await decodeImage(readFileSync(join(IMAGES, name)));
      const bgr = await preprocessImage(decoded, RESNET);
      const rgb = await preprocessImage(decoded, stage({ resize: { shorterSide: 256 }, center_crop: [224, 224] }));
      assert.deepEqual(bgr.shape, [224, 224, 3]);
      const means = RESNET.mean;
      for (let i = 0; i < bgr.data.length; i += 3) {
        for (let c = 0; c < 3; c++) {
          const expected = (rgb.data[i + 2 - c] ?? NaN) - (means[c] ?? NaN);
          assert.ok(Math.abs((bgr.data[i + c] ?? NaN) - expected) < 1e-3, `value ${i + c}`);
        }
      }
    });
  }
});

function spread(values: Float32Array): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
}
