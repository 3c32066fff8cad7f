/**
 * The trained head as a TensorFlow.js layers model on disk (`model.json` + `weights.bin`),
 * the format a pipeline's classifier stage names and the runtime compiles to ONNX: it takes
 * the featurizer's output shape as it is (a Flatten first), then the dense layers.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DenseWeights } from './head';

export const HEAD_MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';
/** The names a pipeline's classifier stage gives for the model's input and output. */
export const HEAD_INPUT_TENSOR = 'features_input';
export const HEAD_OUTPUT_TENSOR = 'classes/Softmax';

export async function writeHeadModel(folder: string, featureShape: readonly number[], layers: readonly DenseWeights[]): Promise<string> {
  const model = tf.sequential({ name: 'classifier_head' });
  model.add(tf.layers.flatten({ name: 'features', inputShape: [...featureShape] }));
  layers.forEach((layer, i) => {
    const last = i === layers.length - 1;
    model.add(tf.layers.dense({ name: last ? 'classes' : `hidden${i + 1}`, units: layer.units, activation: last ? 'softmax' : 'relu' }));
  });
  try {
    const dense = model.layers.slice(1);
    dense.forEach((modelLayer, i) => {
      const weights = layers[i] as DenseWeights;
      modelLayer.setWeights([tf.tensor2d(weights.kernel, [weights.inputs, weights.units]), tf.tensor1d(weights.bias)]);
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler((artifacts) => {
        saved = artifacts;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } });
      }),
    );
    if (!saved?.weightData || !saved.weightSpecs) throw new Error('TensorFlow.js saved the head without its weights');
    const weightData = saved.weightData instanceof ArrayBuffer ? saved.weightData : tf.io.concatenateArrayBuffers(saved.weightData);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, WEIGHTS_FILE), new Uint8Array(weightData));
    const modelJson = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: null,
      modelTopology: saved.modelTopology,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: saved.weightSpecs }],
    };
    const path = join(folder, HEAD_MODEL_FILE);
    await writeFile(path, `${JSON.stringify(modelJson)}\n`);
    return path;
  } finally {
    model.dispose();
  }
}
