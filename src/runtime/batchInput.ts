/**
 * The CPU side of a request, shared by in-process pipelines and those whose model stages
 * run in a worker: one image's bytes → its pre-processed tensor, and several tensors → the
 * one flat batch buffer the engines take.
 */
import { UserError } from '../common/errors';
import type { PreprocessServiceStage } from '../pipeline/serviceDef';
import { decodeImage } from './image/decode';
import { preprocessImage } from './image/preprocess';
import type { ImageTensor, Timings } from './types';

export async function prepareImage(image: Uint8Array, stage: PreprocessServiceStage): Promise<{ tensor: ImageTensor; timings: Timings }> {
  const start = performance.now();
  const decoded = await decodeImage(image, undefined, stage.resize);
  const decodedAt = performance.now();
  const tensor = await preprocessImage(decoded, stage);
  return { tensor, timings: { decode: decodedAt - start, preprocess: performance.now() - decodedAt } };
}

/** [N, ...inputShape] in one buffer; every tensor must have exactly the pipeline's input shape. */
export function stackBatch(batch: readonly ImageTensor[], inputShape: readonly number[], pipeline: string): Float32Array {
  if (inputShape.some((d) => d < 0)) {
    throw new UserError(`pipeline "${pipeline}" has no fixed input size (add a resize or centerCrop to its preprocess stage), so its images cannot be batched`);
  }
  const size = inputShape.reduce((product, d) => product * d, 1);
  const data = new Float32Array(batch.length * size);
  batch.forEach((item, i) => {
    if (item.shape.length !== inputShape.length || item.shape.some((d, axis) => d !== inputShape[axis]) || item.data.length !== size) {
      throw new UserError(`input ${i} has shape [${item.shape.join(', ')}]; pipeline "${pipeline}" takes [${inputShape.join(', ')}]`);
    }
    data.set(item.data, i * size);
  });
  return data;
}
