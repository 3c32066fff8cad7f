/**
 * Static int8 (QDQ) quantization: the scheme chosen per CPU, and real models calibrated on
 * the shared photographs — MobileNet v1 0.75 on its real weights and ResNet-50 on generated
 * ones — whose int8 graphs hold int8 weights and Q/DQ nodes, agree with fp32, and are fused
 * by onnxruntime into integer kernels (QLinearConv…), as its optimized model file shows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { initBackend } from '../../src/runtime/backend';
import { DEFAULT_SEED, generateWeights } from '../../src/runtime/featurizers/generatedWeights';
import { CAFFE_PIXEL_STD, resnetV1Architecture } from '../../src/runtime/featurizers/resnetV1';
import { chooseQuantizationScheme, convertLayersModel, encodeOnnxModel, quantizeStatic } from '../../src/runtime/onnx';
import type { OnnxGraph, QuantizationScheme } from '../../src/runtime/onnx';
import { folderSource, loadLayersModelFrom } from '../../src/runtime/tfjsFiles';
import { REPO_ROOT, TF_PREPROCESS, unexpectedFolder } from './helpers/fixtures';
import { argmaxRows, maxAbsDiff, randomizeWeights, runOnnx, runTfjs, seededValues, topIndices } from './helpers/onnxHelpers';
import { opTypeCounts } from './helpers/onnxHelpers';
import { CAFFE_PREPROCESS, photoNames, photoTensors } from './helpers/onnxPhotos';

const VNNI: QuantizationScheme = chooseQuantizationScheme(['sse2', 'avx2', 'avx512_vnni']);
const SHAPE = [224, 224, 3];

function stack(images: readonly Float32Array[]): Float32Array {
  const size = images[0]?.length ?? 0;
  const out = new Float32Array(images.length * size);
  images.forEach((image, i) => out.set(image, i * size));
  return out;
}

/** The op types onnxruntime's optimizer (level 'all') turns the graph into. */
async function optimizedOps(graph: OnnxGraph): Promise<Map<string, number>> {
  const folder = mkdtempSync(join(tmpdir(), 'onnx-optimized-'));
  try {
    const path = join(folder, 'optimized.onnx');
    const session = await ort.InferenceSession.create(encodeOnnxModel(graph, {}), { graphOptimizationLevel: 'all', optimizedModelFilePath: path, logSeverityLevel: 3 });
    await session.release();
    return opTypeCounts(readFileSync(path));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function rowsOf(values: Float32Array, rows: number): Float32Array[] {
  const width = values.length / rows;
  return Array.from({ length: rows }, (_, r) => values.subarray(r * width, (r + 1) * width));
}

describe('quantization scheme per CPU', () => {
  test('VNNI (AVX-512 or AVX): uint8 activations, full-range int8 weights', () => {
    for (const flags of [['sse2', 'avx2', 'avx512f', 'avx512_vnni'], ['sse2', 'avx2', 'avx_vnni']]) {
      const scheme = chooseQuantizationScheme(flags);
      assert.deepEqual({ ...scheme, reason: '' }, { activations: 'uint8', weights: 'int8', reduceRange: false, perChannel: true, reason: '' });
      assert.match(scheme.reason, /VNNI/);
    }
  });

  test('AVX2 or AVX-512 without VNNI: 7-bit weights, and the reason says why', () => {
    const scheme = chooseQuantizationScheme(['sse2', 'avx2', 'avx512f', 'avx512bw']);
    assert.equal(scheme.reduceRange, true);
    assert.equal(scheme.activations, 'uint8');
    assert.match(scheme.reason, /saturate/);
  });

  test('not x86: full range', () => {
    assert.equal(chooseQuantizationScheme(['fp', 'asimd', 'asimddp']).reduceRange, false);
  });
});

describe('static QDQ quantization', () => {
  before(() => initBackend('wasm'));

  test('a small network with every quantized op kind stays close to fp32, in int8 or uint8 activations, full or reduced range', async () => {
    const input = tf.input({ shape: [12, 11, 3] });
    const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => layer.apply(x) as tf.SymbolicTensor;
    let x = apply(tf.layers.reLU({}), apply(tf.layers.batchNormalization({}), apply(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }), input)));
    x = apply(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }), apply(tf.layers.zeroPadding2d({ padding: 1 }), x));
    const branch = apply(tf.layers.activation({ activation: 'relu6' }), apply(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }), x));
    x = apply(tf.layers.reLU({}), apply(tf.layers.add({}), [x, apply(tf.layers.conv2d({ filters: 8, kernelSize: 1 }), branch)]));
    x = apply(tf.layers.concatenate({}), [x, apply(tf.layers.reLU({}), apply(tf.layers.batchNormalization({}), x))]);
    x = apply(tf.layers.averagePooling2d({ poolSize: 2 }), x);
    x = apply(tf.layers.globalAveragePooling2d({}), x);
    const model = tf.model({ inputs: input, outputs: apply(tf.layers.dense({ units: 10 }), x) });
    randomizeWeights(model, 11);
    try {
      const graph = convertLayersModel(model, { graphName: 'small' });
      const images = Array.from({ length: 10 }, (_, i) => seededValues(12 * 11 * 3, 50 + i));
      const probe = stack(images.slice(0, 4));
      const fp32 = runTfjs(model, probe, [4, 12, 11, 3]);
      const spread = Math.max(...fp32.map(Math.abs));
      for (const scheme of [VNNI, { ...VNNI, activations: 'int8' as const }, chooseQuantizationScheme(['sse2', 'avx2'])]) {
        const quantized = await quantizeStatic(graph, images, { inputShape: [12, 11, 3], scheme, threads: 1 });
        assert.ok(quantized.calibratedTensors > 5, `${quantized.calibratedTensors} calibrated tensors`);
        // Concat's inputs and output share their quantization, so that it copies bytes.
        const producer = new Map(quantized.graph.nodes.flatMap((node) => node.outputs.map((output) => [output, node] as const)));
        const concat = quantized.graph.nodes.find((node) => node.opType === 'Concat');
        const quantizeAfter = quantized.graph.nodes.find((node) => node.opType === 'QuantizeLinear' && node.inputs[0] === concat?.outputs[0]);
        const scales = [...(concat?.inputs ?? []).map((input) => producer.get(input)?.inputs[1]), quantizeAfter?.inputs[1]];
        assert.equal(new Set(scales).size, 1, `one scale for the Concat: ${scales.join(', ')}`);
        const int8 = await runOnnx(quantized.graph, probe, [4, 12, 11, 3]);
        const error = maxAbsDiff(int8, fp32);
        assert.ok(error <= 0.08 * spread, `${scheme.activations}${scheme.reduceRange ? ', reduced range' : ''}: max abs diff ${error} for outputs up to ${spread}`);
      }
    } finally {
      model.dispose();
    }
  });

  test('a tensor that is 0 on every calibration image still gets a positive scale (and an all-zero kernel channel a positive weight scale)', async () => {
    const input = tf.input({ shape: [5, 5, 2] });
    const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: 'zeros', biasInitializer: 'zeros' });
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(conv.apply(input))) as tf.SymbolicTensor });
    try {
      const graph = convertLayersModel(model, { graphName: 'zeros' });
      const images = [seededValues(50, 1), seededValues(50, 2)];
      const { graph: int8 } = await quantizeStatic(graph, images, { inputShape: [5, 5, 2], scheme: VNNI, threads: 1 });
      const scales = int8.initializers.filter((i) => i.name.endsWith('_scale') && i.data instanceof Float32Array);
      assert.ok(scales.length >= 4 && scales.every((i) => (i.data as Float32Array).every((v) => v > 0 && Number.isFinite(v))), 'every scale is positive and finite');
      const fp32 = await runOnnx(graph, images[0] as Float32Array, [1, 5, 5, 2]);
      assert.ok(maxAbsDiff(await runOnnx(int8, images[0] as Float32Array, [1, 5, 5, 2]), fp32) <= 1e-6);
    } finally {
      model.dispose();
    }
  });

  test('MobileNet v1 0.75 (real weights), calibrated on the photographs: int8 weights, Q/DQ nodes, fused QLinearConv, top-1 within fp32 top-5', async () => {
    const model = await loadLayersModelFrom(folderSource(join(REPO_ROOT, '..', 'shared', 'models', 'mobilenet_v1_0.75_224'), unexpectedFolder));
    try {
      const photos = await photoTensors(TF_PREPROCESS);
      const graph = convertLayersModel(model, { graphName: 'mobilenet_v1_0.75' });
      const { graph: int8 } = await quantizeStatic(graph, photos, { inputShape: SHAPE, scheme: VNNI });

      const int8Weights = int8.initializers.filter((i) => i.data instanceof Int8Array && i.dims.length === 4);
      assert.equal(int8Weights.length, 28, 'every conv kernel (27 + the classifier) is int8');
      assert.ok(!int8.initializers.some((i) => i.data instanceof Float32Array && i.dims.length === 4), 'no float kernel left');
      const ops = new Map<string, number>();
      for (const node of int8.nodes) ops.set(node.opType, (ops.get(node.opType) ?? 0) + 1);
      assert.ok((ops.get('QuantizeLinear') ?? 0) >= 28 && (ops.get('DequantizeLinear') ?? 0) >= 28, JSON.stringify([...ops]));
      assert.equal(ops.get('Clip'), undefined, 'every ReLU6 became the clamp of a QuantizeLinear');

      const optimized = await optimizedOps(int8);
      assert.equal(optimized.get('QLinearConv'), 28, JSON.stringify([...optimized]));
      assert.equal(optimized.get('Conv'), undefined, 'no float convolution left');

      const batch = stack(photos);
      const fp32 = rowsOf(await runOnnx(graph, batch, [photos.length, ...SHAPE]), photos.length);
      const quantized = rowsOf(await runOnnx(int8, batch, [photos.length, ...SHAPE]), photos.length);
      photoNames().forEach((name, i) => {
        const top1 = topIndices(quantized[i] as Float32Array, 1)[0];
        assert.ok(topIndices(fp32[i] as Float32Array, 5).includes(top1 as number), `${name}: int8 top-1 ${top1} is in fp32's top 5 ${topIndices(fp32[i] as Float32Array, 5).join(', ')}`);
      });
    } finally {
      model.dispose();
    }
  });

  test('ResNet-50 (generated weights), calibrated on the photographs with Caffe pre-processing: fused, and top-1 agrees with fp32 on most photos', async () => {
    const model = resnetV1Architecture(50);
    generateWeights(model, DEFAULT_SEED, CAFFE_PIXEL_STD);
    try {
      const photos = await photoTensors(CAFFE_PREPROCESS);
      const graph = convertLayersModel(model, { graphName: 'resnet50' });
      const { graph: int8 } = await quantizeStatic(graph, photos, { inputShape: SHAPE, scheme: VNNI });
      const optimized = await optimizedOps(int8);
      assert.equal(optimized.get('QLinearConv'), 53, JSON.stringify([...optimized]));
      assert.equal(optimized.get('QLinearAdd'), 16, JSON.stringify([...optimized]));

      const batch = stack(photos);
      const fp32 = await runOnnx(graph, batch, [photos.length, ...SHAPE]);
      const quantized = await runOnnx(int8, batch, [photos.length, ...SHAPE]);
      const expected = argmaxRows(fp32, photos.length);
      const agree = argmaxRows(quantized, photos.length).filter((top1, i) => top1 === expected[i]).length;
      assert.ok(agree * 2 > photos.length, `int8 top-1 agrees with fp32 on ${agree} of ${photos.length} photos`);
    } finally {
      model.dispose();
    }
  });
});
