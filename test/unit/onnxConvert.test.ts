/**
 * TensorFlow.js layers → ONNX: each supported layer kind on a tiny seeded model, odd input
 * sizes so that 'same' padding is asymmetric, compared with tfjs (wasm) on the same input.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/runtime/backend';
import { CONVERTER_VERSION, SUPPORTED_LAYERS, UnsupportedLayerError, convertLayersModel, createSession, encodeOnnxModel, runSession } from '../../src/runtime/onnx';
import { conversionError, metadataOf, opTypeCounts, randomizeWeights } from './helpers/onnxHelpers';

const TOLERANCE = 1e-4;
const IMAGE = [2, 8, 9, 4];

/** A model from `body` applied to an input of `shape` (without batch), with seeded weights. */
function tiny(shape: number[], body: (x: tf.SymbolicTensor) => tf.SymbolicTensor, seed = 1): tf.LayersModel {
  const input = tf.input({ shape, name: 'images' });
  const model = tf.model({ inputs: input, outputs: body(input), name: 'tiny' });
  randomizeWeights(model, seed);
  return model;
}

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => layer.apply(x) as tf.SymbolicTensor;

async function assertMatches(model: tf.LayersModel, shape = IMAGE): Promise<void> {
  try {
    const error = await conversionError(model, shape);
    assert.ok(error <= TOLERANCE, `max abs diff ${error}`);
  } finally {
    model.dispose();
  }
}

describe('ONNX conversion of each layer kind', () => {
  before(() => initBackend('wasm'));

  test('Conv2D same padding, stride 2 and even kernel (asymmetric pads), bias, relu', () =>
    assertMatches(
      tiny(IMAGE.slice(1), (x) => {
        const y = apply(tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), x);
        return apply(tf.layers.conv2d({ filters: 3, kernelSize: 4, padding: 'same' }), y);
      }),
    ));

  test('Conv2D valid padding: stride 2, dilation 2, no bias, non-square kernel', () =>
    assertMatches(
      tiny(IMAGE.slice(1), (x) => {
        const y = apply(tf.layers.conv2d({ filters: 6, kernelSize: [3, 2], strides: 2, useBias: false }), x);
        return apply(tf.layers.conv2d({ filters: 2, kernelSize: 2, dilationRate: 2, activation: 'tanh' }), apply(tf.layers.zeroPadding2d({ padding: 2 }), y));
      }),
    ));

  test('Conv2D → BatchNormalization folded → ReLU6 (ReLU maxValue 6 and Activation relu6)', async () => {
    const model = tiny(IMAGE.slice(1), (x) => {
      let y = apply(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }), x);
      y = apply(tf.layers.reLU({ maxValue: 6 }), apply(tf.layers.batchNormalization({ epsilon: 1e-3 }), y));
      y = apply(tf.layers.conv2d({ filters: 4, kernelSize: 1 }), y);
      return apply(tf.layers.activation({ activation: 'relu6' }), apply(tf.layers.batchNormalization({ epsilon: 1e-5 }), y));
    });
    const ops = opTypeCounts(encodeOnnxModel(convertLayersModel(model, { graphName: 'folded' }), {}));
    assert.equal(ops.get('Mul'), undefined, 'no standalone batch norm');
    assert.equal(ops.get('Conv'), 2);
    await assertMatches(model);
  });

  test('BatchNormalization standalone (BN → ReLU → Conv, as DenseNet) and after a conv with another consumer', async () => {
    const model = tiny(IMAGE.slice(1), (x) => {
      const a = apply(tf.layers.reLU({}), apply(tf.layers.batchNormalization({}), x));
      const c = apply(tf.layers.conv2d({ filters: 4, kernelSize: 1 }), a);
      const d = apply(tf.layers.batchNormalization({}), c);
      return apply(tf.layers.add({}), [c, d]);
    });
    const ops = opTypeCounts(encodeOnnxModel(convertLayersModel(model, { graphName: 'bn' }), {}));
    assert.equal(ops.get('Mul'), 2, 'two standalone batch norms');
    await assertMatches(model);
  });

  test('DepthwiseConv2D with depth multiplier 2, same padding and stride 2, folded batch norm', () =>
    assertMatches(
      tiny(IMAGE.slice(1), (x) => {
        const y = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, useBias: false }), x);
        const z = apply(tf.layers.activation({ activation: 'relu6' }), apply(tf.layers.batchNormalization({}), y));
        return apply(tf.layers.depthwiseConv2d({ kernelSize: 2, padding: 'valid', activation: 'sigmoid' }), z);
      }),
    ));

  test('ZeroPadding2D folded into a conv, and as a Pad before max pooling (negative pixels, and pads as large as the window)', async () => {
    const model = tiny(IMAGE.slice(1), (x) => {
      const y = apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2 }), apply(tf.layers.zeroPadding2d({ padding: [[1, 2], [0, 3]] }), x));
      const z = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }), apply(tf.layers.zeroPadding2d({ padding: 1 }), y));
      return apply(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }), apply(tf.layers.zeroPadding2d({ padding: 1 }), apply(tf.layers.reLU({}), z)));
    });
    const ops = opTypeCounts(encodeOnnxModel(convertLayersModel(model, { graphName: 'pads' }), {}));
    assert.equal(ops.get('Pad'), 2);
    await assertMatches(model);
  });

  for (const padding of ['same', 'valid'] as const) {
    test(`MaxPooling2D and AveragePooling2D, ${padding} padding, pool 3 stride 2 and pool 2`, () =>
      assertMatches(
        tiny([9, 7, 3], (x) => {
          const max = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding }), x);
          const average = apply(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding }), x);
          const both = apply(tf.layers.concatenate({}), [max, average]);
          return apply(tf.layers.averagePooling2d({ poolSize: 2, padding }), both);
        }),
        [2, 9, 7, 3],
      ));
  }

  test('GlobalAveragePooling2D, GlobalMaxPooling2D, Concatenate of vectors and a Dense softmax', () =>
    assertMatches(
      tiny(IMAGE.slice(1), (x) => {
        const features = apply(tf.layers.concatenate({}), [apply(tf.layers.globalAveragePooling2d({}), x), apply(tf.layers.globalMaxPooling2d({}), x)]);
        return apply(tf.layers.dense({ units: 7, activation: 'softmax' }), apply(tf.layers.dense({ units: 5, activation: 'elu' }), features));
      }),
    ));

  test('Concatenate on the channel axis, Add and Multiply of images', () =>
    assertMatches(
      tiny(IMAGE.slice(1), (x) => {
        const a = apply(tf.layers.conv2d({ filters: 3, kernelSize: 1 }), x);
        const b = apply(tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }), x);
        const sum = apply(tf.layers.add({}), [a, b, a]);
        return apply(tf.layers.concatenate({ axis: 3 }), [sum, apply(tf.layers.multiply({}), [a, b]), x]);
      }),
    ));

  test('Concatenate along the height axis', () =>
    assertMatches(tiny(IMAGE.slice(1), (x) => apply(tf.layers.concatenate({ axis: 1 }), [x, apply(tf.layers.conv2d({ filters: 4, kernelSize: 1 }), x)]))));

  test('Flatten then Dense: element order is NHWC, as in Keras', () =>
    assertMatches(tiny(IMAGE.slice(1), (x) => apply(tf.layers.dense({ units: 6, activation: 'sigmoid' }), apply(tf.layers.flatten({}), apply(tf.layers.conv2d({ filters: 3, kernelSize: 2 }), x))))));

  test('Reshape to an image and back, Dropout, Dense on an image (last axis)', () =>
    assertMatches(
      tiny([24], (x) => {
        const image = apply(tf.layers.reshape({ targetShape: [2, 3, 4] }), apply(tf.layers.dropout({ rate: 0.5 }), x));
        const y = apply(tf.layers.dense({ units: 5, activation: 'relu' }), apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, padding: 'same' }), image));
        return apply(tf.layers.reshape({ targetShape: [5, 6] }), y);
      }),
      [2, 24],
    ));

  test('Activations on images: softmax over channels, sigmoid, tanh, elu, selu, softplus', () =>
    assertMatches(
      tiny(IMAGE.slice(1), (x) => {
        let y = x;
        for (const activation of ['sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softmax'] as const) y = apply(tf.layers.activation({ activation }), y);
        return y;
      }),
    ));

  test('from, to, inputShape and outputShape: the two halves compose to the whole', async () => {
    const model = tiny(IMAGE.slice(1), (x) => {
      const y = apply(tf.layers.globalAveragePooling2d({ name: 'pool' }), apply(tf.layers.conv2d({ filters: 6, kernelSize: 3, name: 'conv' }), x));
      return apply(tf.layers.dense({ units: 3, activation: 'softmax', name: 'head' }), y);
    });
    try {
      const head = convertLayersModel(model, { graphName: 'head', from: 'pool', inputShape: [1, 1, 6] });
      assert.deepEqual(head.inputs[0]?.shape, ['N', 1, 1, 6]);
      const body = convertLayersModel(model, { graphName: 'body', to: 'pool', outputShape: [1, 1, 6] });
      assert.deepEqual(body.outputs[0]?.shape, ['N', 1, 1, 6]);
      const full = await conversionError(model, IMAGE);
      assert.ok(full <= TOLERANCE, `full model ${full}`);
    } finally {
      model.dispose();
    }
  });
});

describe('ONNX model encoding', () => {
  test('metadata_props, opset 17, a symbolic batch, and a model onnxruntime loads', async () => {
    const model = tiny([3], (x) => apply(tf.layers.dense({ units: 2 }), x));
    try {
      const graph = convertLayersModel(model, { graphName: 'meta' });
      assert.equal(graph.opset, 17);
      const bytes = encodeOnnxModel(graph, { converter: CONVERTER_VERSION, 'source model': 'tiny ✓' });
      assert.deepEqual(metadataOf(bytes), { converter: CONVERTER_VERSION, 'source model': 'tiny ✓' });
      const session = await createSession(bytes, 1);
      assert.deepEqual([session.inputNames, session.outputNames], [['input'], ['output']]);
      for (const batch of [1, 3]) assert.equal((await runSession(session, new Float32Array(3 * batch), [batch, 3])).length, 2 * batch);
      await session.release();
    } finally {
      model.dispose();
    }
  });

  test('SUPPORTED_LAYERS lists the layer kinds tested above', () => {
    assert.ok(['Conv2D', 'DepthwiseConv2D', 'BatchNormalization', 'Concatenate', 'Add', 'Dense', 'Flatten'].every((kind) => SUPPORTED_LAYERS.includes(kind)));
    assert.ok(!SUPPORTED_LAYERS.includes('LSTM'));
  });
});

describe('ONNX conversion refuses what it cannot compile', () => {
  test('an LSTM layer: UnsupportedLayerError naming the layer and its class', () => {
    const input = tf.input({ shape: [5, 3] });
    const model = tf.model({ inputs: input, outputs: apply(tf.layers.lstm({ units: 2, name: 'memory' }), input) });
    try {
      assert.throws(
        () => convertLayersModel(model, { graphName: 'lstm' }),
        (error: unknown) => error instanceof UnsupportedLayerError && error.layerName === 'memory' && error.className === 'LSTM' && error.message === 'layer "memory" (LSTM) cannot be compiled to ONNX',
      );
    } finally {
      model.dispose();
    }
  });

  test('a channels-first convolution and an unknown activation', () => {
    const input = tf.input({ shape: [4, 8, 8] });
    const first = tf.model({ inputs: input, outputs: apply(tf.layers.conv2d({ filters: 2, kernelSize: 1, dataFormat: 'channelsFirst', name: 'cf' }), input) });
    const second = tf.model({ inputs: input, outputs: apply(tf.layers.activation({ activation: 'mish', name: 'act' }), input) });
    try {
      assert.throws(() => convertLayersModel(first, { graphName: 'cf' }), /layer "cf" \(Conv2D\) cannot be compiled to ONNX: data format channelsFirst/);
      assert.throws(() => convertLayersModel(second, { graphName: 'act' }), /layer "act" \(Activation\) cannot be compiled to ONNX: activation "mish"/);
    } finally {
      first.dispose();
      second.dispose();
    }
  });
});
