/** The shared photographs, decoded and pre-processed as the example pipelines do, for calibration and accuracy checks. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PreprocessServiceStage } from '../../../src/pipeline/serviceDef';
import { decodeImage } from '../../../src/runtime/image/decode';
import { preprocessPixels } from '../../../src/runtime/image/preprocess';
import { REPO_ROOT } from './fixtures';

export const PHOTOS = join(REPO_ROOT, '..', 'shared', 'images');

/** examples/resnet50.pipeline.json: shorter side 256, 224×224 center crop, BGR, ImageNet means subtracted. */
export const CAFFE_PREPROCESS: PreprocessServiceStage = {
  type: 'preprocess',
  name: 'preprocess',
  resize: { shorterSide: 256 },
  center_crop: [224, 224],
  interpolation: 'bilinear',
  channel_order: 'BGR',
  mean: [103.939, 116.779, 123.68],
  std: [1, 1, 1],
  scale: 1,
};

export function photoNames(): string[] {
  return readdirSync(PHOTOS)
    .filter((name) => /\.(bmp|jpe?g|png)$/i.test(name))
    .sort();
}

export async function photoTensors(stage: PreprocessServiceStage): Promise<Float32Array[]> {
  const tensors: Float32Array[] = [];
  for (const name of photoNames()) tensors.push(preprocessPixels(await decodeImage(readFileSync(join(PHOTOS, name))), stage).data);
  return tensors;
}
