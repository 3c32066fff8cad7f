/**
 * Dataset folders built from the photos in ../shared/images: each photo gives several
 * crops and mirror images, kept together in a folder of their own below the class folder,
 * so the split never puts views of one photo on both sides (validation then measures
 * photos training has not seen).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../../../src/runtime/image/decode';
import { REPO_ROOT } from './fixtures';

export const SHARED_IMAGES = join(REPO_ROOT, '..', 'shared', 'images');
export const SHARED_MODELS = join(REPO_ROOT, '..', 'shared', 'models');

/** Two classes, two photos each: training sees one photo of a class, validation the other. */
export const BIRDS_AND_CATS: Record<string, string[]> = {
  bird: ['bird.bmp', 'parrot.jpg'],
  cat: ['cat.bmp', 'cat_720p.jpg'],
};

/** Crop boxes as fractions (left, top, size) and whether to mirror: six views per photo. */
const VIEWS = [
  { left: 0, top: 0, size: 1, flip: false },
  { left: 0, top: 0, size: 1, flip: true },
  { left: 0, top: 0, size: 0.8, flip: false },
  { left: 0.2, top: 0.2, size: 0.8, flip: true },
  { left: 0.1, top: 0.1, size: 0.8, flip: false },
  { left: 0.2, top: 0, size: 0.75, flip: true },
];

/** Writes `<root>/<class>/<photo>/view<i>.png` for every photo of every class; returns root. */
export async function writePhotoDataset(root: string, classes: Record<string, string[]> = BIRDS_AND_CATS, views = VIEWS.length): Promise<string> {
  for (const [label, photos] of Object.entries(classes)) {
    for (const photo of photos) {
      const folder = join(root, label, photo.replace(/\.[a-z]+$/, ''));
      mkdirSync(folder, { recursive: true });
      for (const [i, view] of VIEWS.slice(0, views).entries()) writeFileSync(join(folder, `view${i}.png`), await photoView(join(SHARED_IMAGES, photo), view));
    }
  }
  return root;
}

/** sharp reads no BMP: the runtime's decoder gives the pixels, sharp crops, mirrors and encodes them. */
async function photoView(path: string, view: (typeof VIEWS)[number]): Promise<Buffer> {
  const { width, height, data } = await decodeImage(readFileSync(path));
  const box = { left: Math.round(width * view.left), top: Math.round(height * view.top), width: Math.round(width * view.size), height: Math.round(height * view.size) };
  const image = sharp(Buffer.from(data), { raw: { width, height, channels: 3 } }).extract({ left: box.left, top: box.top, width: Math.min(box.width, width - box.left), height: Math.min(box.height, height - box.top) });
  return (view.flip ? image.flop() : image).png().toBuffer();
}
