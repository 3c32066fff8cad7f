/**
 * Micro benchmark (not a test): onnxruntime fp32 vs int8 (QDQ) latency at batch 1, for
 * ResNet-50 on generated weights and MobileNet v1 0.75 on real weights, with 1 and 2
 * intra-op threads, plus the op types ORT's optimizer leaves in the int8 graph (what did
 * not fuse into an integer kernel shows up as a float op between Q/DQ).
 *
 *   npx tsc -p . && node out/test/bench/onnxBenchmark.js [runs]
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { initBackend } from '../../src/runtime/backend';
import { CAFFE_PIXEL_STD, resnetV1Architecture } from '../../src/runtime/featurizers/resnetV1';
import { generateWeights } from '../../src/runtime/featurizers/generatedWeights';
import { chooseQuantizationScheme, convertLayersModel, encodeOnnxModel, quantizeStatic, runSession } from '../../src/runtime/onnx';
import type { OnnxGraph } from '../../src/runtime/onnx';
import { folderSource, loadLayersModelFrom } from '../../src/runtime/tfjsFiles';
import { argmaxRows, maxAbsDiff, opTypeCounts, runOnnx, runTfjs, seededValues } from '../unit/helpers/onnxHelpers';
import { REPO_ROOT, TF_PREPROCESS, unexpectedFolder } from '../unit/helpers/fixtures';
import { CAFFE_PREPROCESS, photoTensors } from '../unit/helpers/onnxPhotos';

const RUNS = Number(process.argv[2] ?? 50);
const SHAPE = [224, 224, 3];

function cpuFlags(): string[] {
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? '';
  return line.replace(/^flags\s*:\s*/, '').split(/\s+/);
}

async function p50(bytes: Uint8Array, threads: number, input: Float32Array): Promise<number> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
  try {
    for (let i = 0; i < 5; i++) await runSession(session, input, [1, ...SHAPE]);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = process.hrtime.bigint();
      await runSession(session, input, [1, ...SHAPE]);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] as number;
  } finally {
    await session.release();
  }
}

async function optimizedOps(bytes: Uint8Array): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), 'onnx-bench-'));
  try {
    const path = join(folder, 'optimized.onnx');
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', optimizedModelFilePath: path, logSeverityLevel: 3 });
    await session.release();
    return [...opTypeCounts(readFileSync(path))].map(([op, n]) => `${op}×${n}`).join(' ');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((x, i) => {
    const y = b[i] as number;
    dot += x * y;
    aa += x * x;
    bb += y * y;
  });
  return dot / Math.sqrt(aa * bb);
}

async function bench(name: string, model: tf.LayersModel, featureLayer: string, calibration: Float32Array[]): Promise<void> {
  const fp32: OnnxGraph = convertLayersModel(model, { graphName: name });
  const scheme = chooseQuantizationScheme(cpuFlags());
  const { graph: int8 } = await quantizeStatic(fp32, calibration, { inputShape: SHAPE, scheme });
  const fp32Bytes = encodeOnnxModel(fp32, {});
  const int8Bytes = encodeOnnxModel(int8, {});
  const input = calibration[0] ?? seededValues(224 * 224 * 3, 1);
  const expected = runTfjs(model, input, [1, ...SHAPE]);
  const session = await ort.InferenceSession.create(fp32Bytes, { graphOptimizationLevel: 'all' });
  const fp32Out = await runSession(session, input, [1, ...SHAPE]);
  await session.release();
  const features = convertLayersModel(model, { graphName: `${name}_featurizer`, to: featureLayer });
  const expectedFeatures = runTfjs(tf.model({ inputs: model.inputs, outputs: model.getLayer(featureLayer).output }), input, [1, ...SHAPE]);
  const featureError = maxAbsDiff(await runOnnx(features, input, [1, ...SHAPE]), expectedFeatures);
  console.log(
    `${name}: fp32 ${(fp32Bytes.length / 2 ** 20).toFixed(1)} MiB, int8 ${(int8Bytes.length / 2 ** 20).toFixed(1)} MiB; ` +
      `max |ORT fp32 − tfjs| on the first photo: probabilities ${maxAbsDiff(fp32Out, expected).toExponential(2)}, ${featureLayer} ${featureError.toExponential(2)} (largest ${Math.max(...expectedFeatures.map(Math.abs)).toFixed(2)})`,
  );
  console.log(`  int8 optimized graph: ${await optimizedOps(int8Bytes)}`);
  const photos = new Float32Array(calibration.length * input.length);
  calibration.forEach((image, i) => photos.set(image, i * input.length));
  const fp32Photos = await runOnnx(fp32, photos, [calibration.length, ...SHAPE]);
  const int8Photos = await runOnnx(int8, photos, [calibration.length, ...SHAPE]);
  const fp32Top = argmaxRows(fp32Photos, calibration.length);
  const agree = argmaxRows(int8Photos, calibration.length).filter((top1, i) => top1 === fp32Top[i]).length;
  const { graph: int8Features } = await quantizeStatic(features, calibration, { inputShape: SHAPE, scheme });
  const featureCosine = cosine(await runOnnx(int8Features, photos, [calibration.length, ...SHAPE]), await runOnnx(features, photos, [calibration.length, ...SHAPE]));
  console.log(
    `  on the ${calibration.length} calibration photos: probabilities max |int8 − fp32| ${maxAbsDiff(int8Photos, fp32Photos).toExponential(2)} ` +
      `(largest fp32 probability ${Math.max(...fp32Photos).toFixed(3)}), top-1 agrees on ${agree}; ${featureLayer} features' cosine int8 vs fp32 ${featureCosine.toFixed(4)}`,
  );
  for (const threads of [1, 2]) {
    const f = await p50(fp32Bytes, threads, input);
    const q = await p50(int8Bytes, threads, input);
    console.log(`  ${threads} thread(s): fp32 p50 ${f.toFixed(1)} ms, int8 p50 ${q.toFixed(1)} ms, ×${(f / q).toFixed(2)}`);
  }
}

async function main(): Promise<void> {
  await initBackend('wasm');
  console.log(`CPU flags: ${cpuFlags().filter((f) => /avx|vnni|amx/.test(f)).join(' ')}; ${RUNS} runs each`);
  const resnet = resnetV1Architecture(50);
  generateWeights(resnet, 20180507, CAFFE_PIXEL_STD);
  await bench('resnet50', resnet, 'avg_pool', await photoTensors(CAFFE_PREPROCESS));
  resnet.dispose();
  const mobilenet = await loadLayersModelFrom(folderSource(join(REPO_ROOT, '..', 'shared', 'models', 'mobilenet_v1_0.75_224'), unexpectedFolder));
  await bench('mobilenet_v1_0.75', mobilenet, 'global_average_pooling2d_1', await photoTensors(TF_PREPROCESS));
  mobilenet.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
