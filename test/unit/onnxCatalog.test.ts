/**
 * The catalog's featurizer architectures compiled to ONNX at their native 224×224 input,
 * batch 2: onnxruntime fp32 against tfjs (wasm) on the same weights, and the featurizer
 * half (up to the feature layer) composed with the classifier half (after it) against the
 * whole model. Generated weights, except MobileNet 0.25 (real, from ../shared/models).
 * ResNet-152 and VGG-16 are the slowest models here, so each is compiled once or twice:
 * ResNet-152 whole (its split is ResNet-50's), VGG-16 only as its two halves, composed and
 * compared with tfjs (its split is the interesting one: 7×7×512 features, then Flatten).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/runtime/backend';
import { densenet121Architecture } from '../../src/runtime/featurizers/densenet121';
import { DEFAULT_SEED, generateWeights } from '../../src/runtime/featurizers/generatedWeights';
import { CAFFE_PIXEL_STD, resnetV1Architecture } from '../../src/runtime/featurizers/resnetV1';
import { generateVgg16Weights, vgg16Architecture } from '../../src/runtime/featurizers/vgg16';
import { convertLayersModel } from '../../src/runtime/onnx';
import { folderSource, loadLayersModelFrom } from '../../src/runtime/tfjsFiles';
import { REPO_ROOT, TF_PREPROCESS, unexpectedFolder } from './helpers/fixtures';
import { argmaxRows, maxAbsDiff, runOnnx, runTfjs, seededValues } from './helpers/onnxHelpers';
import { photoTensors } from './helpers/onnxPhotos';

const SHAPE = [2, 224, 224, 3];
const SIZE = 2 * 224 * 224 * 3;

interface Case {
  readonly name: string;
  readonly build: () => Promise<tf.LayersModel>;
  readonly featureLayer: string;
  /** The features as the featurizer hands them over (NHWC, without batch). */
  readonly featureShape: readonly number[];
  readonly input: () => Promise<Float32Array>;
  /** whole: the full graph against tfjs; split: featurizer then classifier against tfjs; both: and against each other. */
  readonly check: 'whole' | 'split' | 'both';
}

const generated = (model: tf.LayersModel, imageStd: number): Promise<tf.LayersModel> => {
  generateWeights(model, DEFAULT_SEED, imageStd);
  return Promise.resolve(model);
};

const CASES: readonly Case[] = [
  { name: 'resnet50', build: () => generated(resnetV1Architecture(50), CAFFE_PIXEL_STD), featureLayer: 'avg_pool', featureShape: [1, 1, 2048], input: () => Promise.resolve(seededValues(SIZE, 3, CAFFE_PIXEL_STD)), check: 'both' },
  { name: 'resnet152', build: () => generated(resnetV1Architecture(152), CAFFE_PIXEL_STD), featureLayer: 'avg_pool', featureShape: [1, 1, 2048], input: () => Promise.resolve(seededValues(SIZE, 4, CAFFE_PIXEL_STD)), check: 'whole' },
  { name: 'densenet121', build: () => generated(densenet121Architecture(), 1), featureLayer: 'avg_pool', featureShape: [1, 1, 1024], input: () => Promise.resolve(seededValues(SIZE, 5, 1)), check: 'both' },
  {
    name: 'vgg16',
    build: () => {
      const model = vgg16Architecture();
      generateVgg16Weights(model, DEFAULT_SEED);
      return Promise.resolve(model);
    },
    featureLayer: 'block5_pool',
    featureShape: [7, 7, 512],
    input: () => Promise.resolve(seededValues(SIZE, 6, CAFFE_PIXEL_STD)),
    check: 'split',
  },
  {
    name: 'mobilenet_v1_0.25 (real weights, two photos)',
    build: () => loadLayersModelFrom(folderSource(join(REPO_ROOT, '..', 'shared', 'models', 'mobilenet_v1_0.25_224'), unexpectedFolder)),
    featureLayer: 'global_average_pooling2d_1',
    featureShape: [1, 1, 256],
    input: async () => {
      const photos = await photoTensors(TF_PREPROCESS);
      const input = new Float32Array(SIZE);
      input.set(photos[0] as Float32Array, 0);
      input.set(photos[1] as Float32Array, SIZE / 2);
      return input;
    },
    check: 'both',
  },
];

describe('catalog architectures: onnxruntime fp32 against tfjs at 224×224, batch 2', () => {
  before(() => initBackend('wasm'));

  for (const c of CASES) {
    test(c.name, async () => {
      const model = await c.build();
      try {
        const input = await c.input();
        const expected = runTfjs(model, input, SHAPE);
        const assertClose = (actual: Float32Array, what: string): void => {
          const error = maxAbsDiff(actual, expected);
          assert.ok(error <= 1e-4, `${what}: max abs diff of the probabilities ${error}`);
          assert.deepEqual(argmaxRows(actual, 2), argmaxRows(expected, 2), `${what}: top-1`);
        };
        const whole = c.check === 'split' ? undefined : await runOnnx(convertLayersModel(model, { graphName: c.name }), input, SHAPE);
        if (whole) assertClose(whole, 'whole graph');
        if (c.check === 'whole') return;

        const featurizer = convertLayersModel(model, { graphName: `${c.name}_featurizer`, to: c.featureLayer, outputShape: c.featureShape });
        const classifier = convertLayersModel(model, { graphName: `${c.name}_classifier`, from: c.featureLayer, inputShape: c.featureShape });
        assert.deepEqual(featurizer.outputs[0]?.shape, ['N', ...c.featureShape]);
        assert.deepEqual(classifier.inputs[0]?.shape, ['N', ...c.featureShape]);
        const features = await runOnnx(featurizer, input, SHAPE);
        // Generated weights can give near one-hot probabilities, which hide small errors: the features do not.
        const expectedFeatures = runTfjs(tf.model({ inputs: model.inputs, outputs: model.getLayer(c.featureLayer).output }), input, SHAPE);
        const featureScale = expectedFeatures.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
        assert.ok(maxAbsDiff(features, expectedFeatures) <= 1e-4 * featureScale, `features: max abs diff ${maxAbsDiff(features, expectedFeatures)}, largest feature ${featureScale}`);
        const composed = await runOnnx(classifier, features, [2, ...c.featureShape]);
        assertClose(composed, 'featurizer then classifier');
        if (whole) assert.ok(maxAbsDiff(composed, whole) <= 1e-5, `featurizer then classifier vs the whole graph: ${maxAbsDiff(composed, whole)}`);
      } finally {
        model.dispose();
      }
    });
  }
});
