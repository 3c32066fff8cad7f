/**
 * Light augmentation, computed on the decoded image before pre-processing (never on
 * features): a mirror image and crops of most of the picture. The variants are a fixed
 * list, so each one's features are cached like the original's and a second run reuses them.
 */
import type { RgbImage } from '../runtime/types';

export interface Variant {
  /** Part of the feature cache key; `original` is the image as it is. */
  id: string;
  flip: boolean;
  /** The crop as fractions of the width and height: left, top, width, height. */
  crop?: { left: number; top: number; size: number };
}

export const ORIGINAL: Variant = { id: 'original', flip: false };

/** What `--augment` adds for each training image (validation images are never augmented). */
export const AUGMENTATIONS: readonly Variant[] = [
  { id: 'flip', flip: true },
  { id: 'crop85-top-left', flip: false, crop: { left: 0, top: 0, size: 0.85 } },
  { id: 'crop85-bottom-right', flip: false, crop: { left: 0.15, top: 0.15, size: 0.85 } },
  { id: 'flip-crop85-center', flip: true, crop: { left: 0.075, top: 0.075, size: 0.85 } },
];

export function applyVariant(image: RgbImage, variant: Variant): RgbImage {
  const cropped = variant.crop ? crop(image, variant.crop) : image;
  return variant.flip ? mirror(cropped) : cropped;
}

function crop(image: RgbImage, area: NonNullable<Variant['crop']>): RgbImage {
  const left = Math.round(image.width * area.left);
  const top = Math.round(image.height * area.top);
  const width = Math.max(1, Math.min(image.width - left, Math.round(image.width * area.size)));
  const height = Math.max(1, Math.min(image.height - top, Math.round(image.height * area.size)));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    data.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data };
}

function mirror(image: RgbImage): RgbImage {
  const { width, height } = image;
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 3;
      const to = (y * width + (width - 1 - x)) * 3;
      data[to] = image.data[from] ?? 0;
      data[to + 1] = image.data[from + 1] ?? 0;
      data[to + 2] = image.data[from + 2] ?? 0;
    }
  }
  return { width, height, data };
}
