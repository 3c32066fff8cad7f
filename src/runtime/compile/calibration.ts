/**
 * Images that int8 quantization calibrates activation ranges on, pre-processed exactly as
 * the pipeline's preprocess stage does, so the ranges are those the service will see.
 *
 * Where they come from, first found wins:
 *   1. `--calibration DIR` (or `FPGA_CALIBRATION`): every image in DIR the runtime decodes;
 *   2. `<model store>/calibration/`: the same, kept with the weights;
 *   3. generated images (smooth colour fields with edges and noise, seeded): no real photo
 *      is needed, but ranges from real photos of the classes you serve are better — the
 *      fidelity report (`fpga verify`) shows the difference.
 * At most CALIBRATION_LIMIT images are used, in name order.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../common/hash';
import { UserError } from '../../common/errors';
import { stableStringify } from '../../common/stableJson';
import type { PreprocessServiceStage } from '../../pipeline/serviceDef';
import { decodeImage, sniffFormat } from '../image/decode';
import { preprocessPixels } from '../image/preprocess';
import type { RgbImage } from '../types';

export const CALIBRATION_ENV = 'FPGA_CALIBRATION';
export const CALIBRATION_LIMIT = 32;
const GENERATED_COUNT = 16;
const GENERATED_SIZE = 256;
/** Bump when generatedImage changes: it is part of every compiled model's cache key. */
const GENERATED_REVISION = 1;

export interface CalibrationSource {
  /** SHA-256 of the image bytes (or the generator's revision) and the preprocess stage: part of the cache key. */
  readonly digest: string;
  /** A folder, or "generated images". */
  readonly source: string;
  /** The pre-processed images, each [...inputShape] without a batch dimension (decoded only when a model is compiled). */
  load(): Promise<Float32Array[]>;
}

/** The calibration folder in effect: explicit, else the variable, else the store's, else none. */
export function calibrationFolder(modelStore: string, explicit?: string): string | undefined {
  const chosen = [explicit, process.env[CALIBRATION_ENV]].find((value) => value !== undefined && value.trim() !== '');
  if (chosen !== undefined) return chosen;
  const inStore = join(modelStore, 'calibration');
  return existsSync(inStore) ? inStore : undefined;
}

export function calibrationSource(folder: string | undefined, preprocess: PreprocessServiceStage): CalibrationSource {
  const stage = stableStringify(preprocess);
  if (folder === undefined) {
    return {
      digest: sha256Hex(Buffer.from(`generated:${GENERATED_REVISION}\n${stage}`)),
      source: 'generated images',
      load: () => Promise.resolve(Array.from({ length: GENERATED_COUNT }, (_, i) => preprocessPixels(generatedImage(i), preprocess).data)),
    };
  }
  const contents = imageFiles(folder);
  return {
    digest: sha256Hex(Buffer.from(`${contents.map((bytes) => sha256Hex(bytes)).join('\n')}\n${stage}`)),
    source: folder,
    load: async () => {
      const images: Float32Array[] = [];
      for (const bytes of contents) images.push(preprocessPixels(await decodeImage(bytes), preprocess).data);
      return images;
    },
  };
}

/** The bytes of the folder's images, in name order, at most CALIBRATION_LIMIT of them (each file read once). */
function imageFiles(folder: string): Buffer[] {
  let names: string[];
  try {
    names = readdirSync(folder).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read the calibration folder ${folder} (${code ?? 'error'}): give a folder of images with --calibration`);
  }
  const images = names
    .map((name) => join(folder, name))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile() === true)
    .map((path) => readFileSync(path))
    .filter((bytes) => sniffFormat(bytes) !== undefined)
    .slice(0, CALIBRATION_LIMIT);
  if (images.length === 0) throw new UserError(`the calibration folder ${folder} holds no image (JPEG, PNG, GIF, WebP or BMP): add a few photos like those the service will classify`);
  return images;
}

/** A seeded picture with the statistics that matter for ranges: smooth regions, edges, texture. */
function generatedImage(index: number): RgbImage {
  let state = (index + 1) * 2654435761;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const size = GENERATED_SIZE;
  const data = new Uint8Array(size * size * 3);
  const base = [random(), random(), random()].map((v) => 40 + v * 175);
  const slope = [random() - 0.5, random() - 0.5, random() - 0.5].map((v) => v * 1.2);
  const discs = Array.from({ length: 6 }, () => ({ x: random() * size, y: random() * size, r: 10 + random() * 70, colour: [random() * 255, random() * 255, random() * 255] }));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const disc = discs.find((d) => (x - d.x) ** 2 + (y - d.y) ** 2 < d.r ** 2);
      for (let c = 0; c < 3; c++) {
        const smooth = (base[c] as number) + (slope[c] as number) * (x + y - size);
        const value = (disc ? (disc.colour[c] as number) : smooth) + (random() - 0.5) * 24;
        data[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return { width: size, height: size, data };
}
