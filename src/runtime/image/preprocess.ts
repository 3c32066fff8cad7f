/**
 * RGB pixels → the float tensor a model stage takes: resize, center crop, channel order,
 * then `((x - mean[c]) / std[c]) * scale` per channel (x on 0–255, mean and std in the
 * stage's channel order), laid out HWC as [height, width, 3].
 *
 * Resizing is done here in TypeScript, not by sharp: sharp's kernels (even `linear`) are
 * reduction filters that widen with the scale factor and libvips may shrink on load, so
 * they do not give the textbook bilinear that pipelines are specified against. This code
 * is TensorFlow's `tf.image.resize` (bilinear, half_pixel_centers=True, antialias=False;
 * the same as tfjs `resizeBilinear(x, size, false, true)`): each output pixel samples the
 * input at ((i + 0.5) * in / out - 0.5) from its 2×2 neighbours, edges clamped. Nearest
 * picks floor((i + 0.5) * in / out), as TensorFlow and PIL do. The resized values stay
 * floats (no rounding back to 8 bits), and only the pixels inside the crop are computed,
 * which keeps a 1280×720 → 224×224 pass to 1–2 ms.
 */
import { UserError } from '../../common/errors';
import type { PreprocessServiceStage } from '../../pipeline/serviceDef';
import type { Resize } from '../../pipeline/types';
import type { ImageTensor, RgbImage } from '../types';
import { ImageError } from './imageError';

export interface Size {
  width: number;
  height: number;
}

/** Where each output coordinate along one axis reads the input: two neighbours and a weight. */
interface AxisSamples {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float64Array;
}

/**
 * The runtime's entry point. A promise so that callers need not change if this work moves
 * off the event loop; a bad image or stage rejects it (never throws synchronously).
 */
export function preprocessImage(image: RgbImage, stage: PreprocessServiceStage): Promise<ImageTensor> {
  return new Promise((resolve) => resolve(preprocessPixels(image, stage)));
}

/** The same work, synchronously. */
export function preprocessPixels(image: RgbImage, stage: PreprocessServiceStage): ImageTensor {
  checkImage(image);
  checkStage(stage);
  const resized = resizedSize(image.width, image.height, stage.resize);
  const [cropHeight, cropWidth] = stage.center_crop ?? [resized.height, resized.width];
  if (cropWidth > resized.width || cropHeight > resized.height) {
    const when = stage.resize === undefined ? '' : ' after resizing';
    throw new ImageError(
      `the image is ${resized.width}×${resized.height}${when}, smaller than the ${cropWidth}×${cropHeight} ` +
        `center crop (width×height): send a larger image`,
    );
  }
  // The crop drops the extra pixels evenly, the odd one from the bottom/right (as TF's
  // central crop and torchvision do).
  const top = Math.floor((resized.height - cropHeight) / 2);
  const left = Math.floor((resized.width - cropWidth) / 2);
  const sampleAxis = stage.interpolation === 'nearest' ? nearestSamples : bilinearSamples;
  const rows = sampleAxis(image.height, resized.height, top, cropHeight);
  const cols = sampleAxis(image.width, resized.width, left, cropWidth);
  const data = sampleAndNormalize(image, rows, cols, stage);
  return { shape: [cropHeight, cropWidth, 3], data };
}

/** The size after `resize`: exact, or the shorter side set and the other one scaled and rounded. */
export function resizedSize(width: number, height: number, resize: Resize | undefined): Size {
  if (resize === undefined) return { width, height };
  if ('shorterSide' in resize) {
    const side = resize.shorterSide;
    return width <= height
      ? { width: side, height: Math.max(1, Math.round((height * side) / width)) }
      : { width: Math.max(1, Math.round((width * side) / height)), height: side };
  }
  return { width: resize.width, height: resize.height };
}

function checkImage(image: RgbImage): void {
  if (image.width <= 0 || image.height <= 0 || image.data.length !== image.width * image.height * 3) {
    throw new RangeError(`an RgbImage of ${image.width}×${image.height} needs ${image.width * image.height * 3} bytes, not ${image.data.length}`);
  }
}

/** Validation normally catches these; checked again because a bad stage would give NaNs silently. */
function checkStage(stage: PreprocessServiceStage): void {
  const sizes = [
    ...(stage.resize === undefined ? [] : 'shorterSide' in stage.resize ? [stage.resize.shorterSide] : [stage.resize.width, stage.resize.height]),
    ...(stage.center_crop ?? []),
  ];
  if (!sizes.every((size) => Number.isInteger(size) && size > 0)) {
    throw new UserError(`the preprocess stage "${stage.name}" has a size that is not a positive whole number: ${sizes.join(', ')}`);
  }
  if (stage.std.some((value) => value === 0) || !Number.isFinite(stage.scale)) {
    throw new UserError(`the preprocess stage "${stage.name}" needs non-zero std values and a finite scale`);
  }
}

/** Half-pixel-center bilinear taps for output positions offset … offset+count-1 of outSize. */
function bilinearSamples(inSize: number, outSize: number, offset: number, count: number): AxisSamples {
  const samples = emptySamples(count);
  const ratio = inSize / outSize;
  for (let i = 0; i < count; i++) {
    const at = (offset + i + 0.5) * ratio - 0.5;
    const floor = Math.floor(at);
    samples.lo[i] = clamp(floor, inSize);
    samples.hi[i] = clamp(floor + 1, inSize);
    samples.frac[i] = at - floor;
  }
  return samples;
}

function nearestSamples(inSize: number, outSize: number, offset: number, count: number): AxisSamples {
  const samples = emptySamples(count);
  const ratio = inSize / outSize;
  for (let i = 0; i < count; i++) {
    const index = clamp(Math.floor((offset + i + 0.5) * ratio), inSize);
    samples.lo[i] = index;
    samples.hi[i] = index;
  }
  return samples;
}

function emptySamples(count: number): AxisSamples {
  return { lo: new Int32Array(count), hi: new Int32Array(count), frac: new Float64Array(count) };
}

function clamp(index: number, size: number): number {
  return Math.min(Math.max(index, 0), size - 1);
}

/** Interpolates every output pixel from its taps and writes the normalized values, HWC. */
function sampleAndNormalize(image: RgbImage, rows: AxisSamples, cols: AxisSamples, stage: PreprocessServiceStage): Float32Array {
  const { data: pixels, width } = image;
  const height = rows.lo.length;
  const cropWidth = cols.lo.length;
  const sources = stage.channel_order === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const out = new Float32Array(height * cropWidth * 3);
  for (let y = 0; y < height; y++) {
    const row0 = (rows.lo[y] ?? 0) * width * 3;
    const row1 = (rows.hi[y] ?? 0) * width * 3;
    const fy = rows.frac[y] ?? 0;
    for (let x = 0; x < cropWidth; x++) {
      const col0 = (cols.lo[x] ?? 0) * 3;
      const col1 = (cols.hi[x] ?? 0) * 3;
      const fx = cols.frac[x] ?? 0;
      const at = (y * cropWidth + x) * 3;
      for (let c = 0; c < 3; c++) {
        const s = sources[c] ?? c;
        const topRow = lerp(pixels[row0 + col0 + s] ?? 0, pixels[row0 + col1 + s] ?? 0, fx);
        const bottomRow = lerp(pixels[row1 + col0 + s] ?? 0, pixels[row1 + col1 + s] ?? 0, fx);
        const value = lerp(topRow, bottomRow, fy);
        out[at + c] = ((value - (stage.mean[c] ?? 0)) / (stage.std[c] ?? 1)) * stage.scale;
      }
    }
  }
  return out;
}

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}
