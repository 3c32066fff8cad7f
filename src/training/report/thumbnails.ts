/**
 * Small JPEG thumbnails as `data:` URIs, so a report is one self-contained file and the
 * editor's panel needs no access to the dataset folder.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { decodeImage } from '../../runtime/image/decode';

const SIDE = 128;
/** Past this many, a report would weigh megabytes; the list still names every mistake. */
export const MAX_THUMBNAILS = 120;

export async function thumbnails(paths: Record<string, string>): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const [name, path] of Object.entries(paths).slice(0, MAX_THUMBNAILS)) {
    const uri = await thumbnail(path);
    if (uri !== undefined) result[name] = uri;
  }
  return result;
}

/** Undefined when the image cannot be read any more: the report shows its name without a picture. */
async function thumbnail(path: string): Promise<string | undefined> {
  try {
    // The runtime's decoder, not sharp's: it also reads BMP and applies EXIF orientation.
    const image = await decodeImage(await readFile(path), undefined, { shorterSide: SIDE });
    const jpeg = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize({ width: SIDE, height: SIDE, fit: 'inside' })
      .jpeg({ quality: 70 })
      .toBuffer();
    return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  } catch {
    return undefined;
  }
}
