/**
 * The fidelity report behind `fpga verify`: how far the compiled engines are from the
 * TensorFlow.js reference, image by image. ONNX fp32 must agree with the reference (same
 * arithmetic, reordered); int8 is judged by whether it keeps fp32's answer.
 *
 * The three pipelines load one after the other, each freed before the next, so that a
 * large featurizer never sits in memory three times.
 */
import { basename } from 'node:path';
import type { ModelDef } from '../pipeline/modelDefReader';
import type { Precision } from '../pipeline/types';
import type { EnginePreference } from './engines/stageEngine';
import { loadPipeline } from './loadPipeline';
import type { LoadPipelineOptions } from './loadPipeline';

export interface ImageFidelity {
  image: string;
  reference_top1: string;
  fp32_top1: string;
  int8_top1: string;
  /** Largest |ONNX fp32 − TensorFlow.js| over the image's class scores. */
  fp32_max_abs_diff: number;
  int8_top5_has_fp32_top1: boolean;
}

export interface FidelityReport {
  images: ImageFidelity[];
  summary: {
    images: number;
    /** How many images ONNX fp32 gives the reference's top 1. */
    fp32_top1_agree: number;
    /** How many images int8 gives fp32's top 1. */
    int8_top1_agree: number;
    int8_top5_has_fp32_top1: number;
    fp32_max_abs_diff: number;
  };
  /** How each variant ran (engine phrase and precision), for the reader of the report. */
  engines: { reference: string; fp32: string; int8: string };
}

export type FidelityOptions = Omit<LoadPipelineOptions, 'engine' | 'precision'>;

interface Scored {
  engine: string;
  labels: readonly string[];
  rows: Float32Array[];
}

export async function measureFidelity(modelDef: ModelDef, images: readonly { path: string; bytes: Uint8Array }[], options: FidelityOptions): Promise<FidelityReport> {
  const reference = await scoreAll(modelDef, images, options, 'tfjs', 'fp32');
  const fp32 = await scoreAll(modelDef, images, options, 'onnx', 'fp32');
  const int8 = await scoreAll(modelDef, images, options, 'onnx', 'int8');
  const rows = images.map((image, i): ImageFidelity => {
    const ref = reference.rows[i] as Float32Array;
    const f = fp32.rows[i] as Float32Array;
    const q = int8.rows[i] as Float32Array;
    const fp32Top = ranked(f, 1)[0] ?? -1;
    return {
      image: basename(image.path),
      reference_top1: reference.labels[ranked(ref, 1)[0] ?? -1] ?? '',
      fp32_top1: fp32.labels[fp32Top] ?? '',
      int8_top1: int8.labels[ranked(q, 1)[0] ?? -1] ?? '',
      fp32_max_abs_diff: maxAbsDiff(ref, f),
      int8_top5_has_fp32_top1: ranked(q, 5).includes(fp32Top),
    };
  });
  return {
    images: rows,
    summary: {
      images: rows.length,
      fp32_top1_agree: rows.filter((r) => r.fp32_top1 === r.reference_top1).length,
      int8_top1_agree: rows.filter((r) => r.int8_top1 === r.fp32_top1).length,
      int8_top5_has_fp32_top1: rows.filter((r) => r.int8_top5_has_fp32_top1).length,
      fp32_max_abs_diff: Math.max(0, ...rows.map((r) => r.fp32_max_abs_diff)),
    },
    engines: { reference: reference.engine, fp32: fp32.engine, int8: int8.engine },
  };
}

async function scoreAll(modelDef: ModelDef, images: readonly { bytes: Uint8Array }[], options: FidelityOptions, engine: EnginePreference, precision: Precision): Promise<Scored> {
  const pipeline = await loadPipeline(modelDef, { ...options, engine, precision });
  try {
    const rows: Float32Array[] = [];
    for (const image of images) {
      const { tensor } = await pipeline.prepare(image.bytes);
      const { scores } = await pipeline.score([tensor]);
      rows.push(scores[0] as Float32Array);
    }
    return { engine: `${pipeline.backend} ${pipeline.precision}`, labels: pipeline.labels, rows };
  } finally {
    pipeline.dispose();
  }
}

/** Indexes of the k largest scores, largest first. */
function ranked(scores: Float32Array, k: number): number[] {
  return [...scores.keys()].sort((a, b) => (scores[b] as number) - (scores[a] as number)).slice(0, k);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
