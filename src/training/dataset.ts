/**
 * A dataset is a folder with one subfolder per class; the subfolder's name is the label.
 * Scanning reads and decodes every file once, so that what training later relies on is
 * known up front: which images are usable, and which are skipped and why (not an image,
 * unreadable, too small, or the same bytes as an image already taken).
 *
 * Images in a folder below a class folder form a group (crops or burst shots of one scene):
 * a group is never split between training and validation (split.ts), so validation accuracy
 * is measured on scenes training has not seen.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { UserError, messageOf } from '../common/errors';
import { sha256Hex } from '../common/hash';
import { decodeImage, sniffFormat } from '../runtime/image/decode';

/** Smaller images carry too little to learn from once they are scaled up to the featurizer's input. */
export const MIN_IMAGE_SIDE = 32;
/** Fewer images per class cannot give a classifier worth deploying, nor a validation set. */
export const MIN_IMAGES_PER_CLASS = 5;

export interface DatasetImage {
  /** Absolute path. */
  path: string;
  /** Path relative to the dataset folder, with `/` separators: how reports name the image. */
  name: string;
  label: string;
  classIndex: number;
  /** Images of one group stay on the same side of the split: the file itself, or its folder below the class folder. */
  group: string;
  /** SHA-256 of the file's bytes: the feature cache's key, and how duplicates are found. */
  sha256: string;
  width: number;
  height: number;
}

export type SkipReason = 'not an image' | 'unreadable' | 'too small' | 'duplicate' | 'outside a class folder';

export interface SkippedFile {
  name: string;
  reason: SkipReason;
  /** What exactly: the decoder's message, the size, or the image it duplicates. */
  detail: string;
}

export interface Dataset {
  root: string;
  /** Class names, sorted: a class's index is its position here and its line in labels.txt. */
  classes: string[];
  images: DatasetImage[];
  skipped: SkippedFile[];
}

/** Scans without judging the result; `requireTrainable` says whether it is enough to train on. */
export async function scanDataset(root: string): Promise<Dataset> {
  const entries = await readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new UserError(`dataset folder not found: ${root}`);
    if (error.code === 'ENOTDIR') throw new UserError(`${root} is a file: give a folder with one subfolder of images per class`);
    throw new UserError(`cannot read the dataset folder ${root}: ${error.code ?? error.message}`);
  });
  const classes = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort(compareNames);
  const skipped: SkippedFile[] = entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => ({ name: entry.name, reason: 'outside a class folder', detail: 'put it in the folder of its class' }));
  const images: DatasetImage[] = [];
  const seen = new Map<string, string>();
  for (const [classIndex, label] of classes.entries()) {
    if (/[\r\n]/.test(label)) throw new UserError(`class folder ${JSON.stringify(label)} has a line break in its name: rename it (a label is one line)`);
    for (const path of await filesBelow(join(root, label))) {
      const name = relative(root, path).split(sep).join('/');
      const outcome = await readImage(path);
      if ('reason' in outcome) {
        skipped.push({ name, ...outcome });
        continue;
      }
      const first = seen.get(outcome.sha256);
      if (first !== undefined) {
        skipped.push({ name, reason: 'duplicate', detail: `same content as ${first}` });
        continue;
      }
      seen.set(outcome.sha256, name);
      const inner = name.split('/').slice(1, -1);
      images.push({ path, name, label, classIndex, group: inner.length > 0 ? `${label}/${inner.join('/')}` : name, ...outcome });
    }
  }
  return { root, classes, images, skipped };
}

/** Throws a UserError saying what to add when the dataset cannot train a classifier. */
export function requireTrainable(dataset: Dataset): void {
  const counts = imagesPerClass(dataset);
  if (dataset.classes.length < 2) {
    const found = dataset.classes.length === 0 ? 'no class folder' : `only one class folder ("${dataset.classes[0] ?? ''}")`;
    throw new UserError(`${dataset.root} has ${found}: a classifier needs at least two, one subfolder of images per class (e.g. cats/ and dogs/)`);
  }
  const short = dataset.classes.filter((_, i) => (counts[i] ?? 0) < MIN_IMAGES_PER_CLASS);
  if (short.length > 0) {
    const list = short.map((label) => `"${label}" has ${counts[dataset.classes.indexOf(label)] ?? 0}`).join(', ');
    throw new UserError(`too few usable images: ${list}; add images until every class has at least ${MIN_IMAGES_PER_CLASS} (a few dozen per class train well)`);
  }
}

/** Throws when a folder to evaluate on has no usable image. */
export function requireImages(dataset: Dataset): void {
  if (dataset.images.length === 0) {
    throw new UserError(`${dataset.root} holds no usable image in a class folder: put JPEG, PNG, BMP, GIF or WebP images in one subfolder per class`);
  }
}

export function imagesPerClass(dataset: Dataset): number[] {
  const counts = dataset.classes.map(() => 0);
  for (const image of dataset.images) counts[image.classIndex] = (counts[image.classIndex] ?? 0) + 1;
  return counts;
}

/** Every file below `folder` (hidden ones left out), in a stable order. */
async function filesBelow(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read ${folder}: ${error.code ?? error.message}`);
  });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => compareNames(a.name, b.name))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await filesBelow(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

type ReadOutcome = { sha256: string; width: number; height: number } | { reason: SkipReason; detail: string };

async function readImage(path: string): Promise<ReadOutcome> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    return { reason: 'unreadable', detail: (error as NodeJS.ErrnoException).code ?? messageOf(error) };
  }
  if (sniffFormat(bytes) === undefined) return { reason: 'not an image', detail: 'not JPEG, PNG, BMP, GIF or WebP' };
  try {
    // A full decode: a truncated JPEG is found here, not halfway through feature extraction.
    const image = await decodeImage(bytes);
    if (Math.min(image.width, image.height) < MIN_IMAGE_SIDE) {
      return { reason: 'too small', detail: `${image.width}×${image.height}, under ${MIN_IMAGE_SIDE} pixels on a side` };
    }
    return { sha256: sha256Hex(bytes), width: image.width, height: image.height };
  } catch (error) {
    return { reason: 'unreadable', detail: messageOf(error) };
  }
}

/** Byte order, not locale order: the same folder gives the same class indices on every machine. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
