/**
 * Shared by the ONNX tests and the benchmark: seeded tensors and weights, tfjs and
 * onnxruntime runs of the same model, and the op types of an ONNX file (read with a tiny
 * protobuf reader, to see what ORT's optimizer fused).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fillNormal, seededUniform } from '../../../src/runtime/featurizers/generatedWeights';
import { convertLayersModel, createSession, encodeOnnxModel, runSession } from '../../../src/runtime/onnx';
import type { ConvertOptions, OnnxGraph } from '../../../src/runtime/onnx';

export function seededValues(count: number, seed: number, std = 1): Float32Array {
  return fillNormal(new Float32Array(count), std, seededUniform(seed));
}

/**
 * Random weights for a small test model: normals for kernels, biases and batch-norm shifts,
 * positive variances and gammas away from zero, so every folding path does real arithmetic.
 */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const uniform = seededUniform(seed);
  for (const layer of model.layers) {
    for (const weight of layer.weights) {
      const shape = weight.shape as number[];
      const count = shape.reduce((p, d) => p * d, 1);
      const kind = weight.originalName.slice(weight.originalName.lastIndexOf('/') + 1);
      const values =
        kind === 'moving_variance' || kind === 'gamma'
          ? Float32Array.from({ length: count }, () => 0.5 + uniform())
          : fillNormal(new Float32Array(count), kind.endsWith('kernel') ? 0.5 : 0.3, uniform);
      tf.tidy(() => {
        weight.write(tf.tensor(values, shape, 'float32'));
      });
    }
  }
}

export function runTfjs(model: tf.LayersModel, input: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(input, shape)) as tf.Tensor).dataSync() as Float32Array);
}

export async function runOnnx(graph: OnnxGraph, input: Float32Array, shape: number[], threads = 2): Promise<Float32Array> {
  const session = await createSession(encodeOnnxModel(graph, {}), threads);
  try {
    return await runSession(session, input, shape);
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same number of values');
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Converts `model`, runs both on the same seeded input and returns the largest difference. */
export async function conversionError(model: tf.LayersModel, shape: number[], options: Partial<ConvertOptions> = {}, seed = 7): Promise<number> {
  const input = seededValues(shape.reduce((p, d) => p * d, 1), seed);
  const expected = runTfjs(model, input, shape);
  const actual = await runOnnx(convertLayersModel(model, { graphName: model.name, ...options }), input, shape);
  return maxAbsDiff(actual, expected);
}

export function argmaxRows(values: Float32Array, rows: number): number[] {
  const width = values.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let i = 1; i < width; i++) if ((values[r * width + i] as number) > (values[r * width + best] as number)) best = i;
    return best;
  });
}

export function topIndices(values: Float32Array, k: number): number[] {
  return Array.from(values.keys())
    .sort((a, b) => (values[b] as number) - (values[a] as number))
    .slice(0, k);
}

/** How often each op type occurs in an ONNX model file's main graph (ModelProto.graph.node.op_type). */
export function opTypeCounts(bytes: Uint8Array): Map<string, number> {
  const counts = new Map<string, number>();
  const graph = fieldsOf(bytes).find((f) => f.field === 7);
  if (!graph) return counts;
  for (const node of fieldsOf(graph.bytes).filter((f) => f.field === 1)) {
    const opType = fieldsOf(node.bytes).find((f) => f.field === 4);
    const name = opType ? new TextDecoder().decode(opType.bytes) : '?';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** ModelProto.metadata_props of an ONNX model file. */
export function metadataOf(bytes: Uint8Array): Record<string, string> {
  const text = (entry: { bytes: Uint8Array }, field: number): string => new TextDecoder().decode(fieldsOf(entry.bytes).find((f) => f.field === field)?.bytes);
  return Object.fromEntries(fieldsOf(bytes).filter((f) => f.field === 14).map((entry) => [text(entry, 1), text(entry, 2)]));
}

/** The length-delimited fields of one protobuf message; other wire types are skipped. */
function fieldsOf(bytes: Uint8Array): { field: number; bytes: Uint8Array }[] {
  const fields: { field: number; bytes: Uint8Array }[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let factor = 1;
    for (;;) {
      const byte = bytes[at++] as number;
      value += (byte & 0x7f) * factor;
      factor *= 128;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const wire = key % 8;
    const field = Math.floor(key / 8);
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      fields.push({ field, bytes: bytes.subarray(at, at + length) });
      at += length;
    } else throw new Error(`protobuf wire type ${wire} at ${at}`);
  }
  return fields;
}
