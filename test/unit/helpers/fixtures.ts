/** Pipeline files and tiny TensorFlow.js models written to fresh temporary folders. */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { UserError } from '../../../src/common/errors';
import type { PreprocessServiceStage } from '../../../src/pipeline/serviceDef';

export const REPO_ROOT = resolve(__dirname, '../../../..');
export const EXAMPLES = join(REPO_ROOT, 'examples');

/** Every folder tempDir made in this test process: removed when the process exits. */
const madeFolders: string[] = [];

/**
 * A fresh folder under the temporary directory, removed (with anything in it) when the test
 * file's process exits — pass or fail — so a run of the suite leaves nothing behind. A local
 * service host a test left running in it (a state folder's host.json names its pid) is
 * killed first: its folder is about to go.
 */
export function tempDir(prefix = 'fpga-test-'): string {
  if (madeFolders.length === 0) process.once('exit', removeMadeFolders);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeFolders.push(dir);
  return dir;
}

function removeMadeFolders(): void {
  for (const dir of madeFolders) {
    try {
      const { pid } = JSON.parse(readFileSync(join(dir, 'host.json'), 'utf8')) as { pid?: unknown };
      if (typeof pid === 'number' && pid !== process.pid) process.kill(pid, 'SIGKILL');
    } catch {
      // No host.json, or its host is gone already.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writeJson(path: string, value: unknown): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
  return path;
}

/** A layers-model model.json with one dense layer and its weight shard (real tfjs layout). */
export function writeTfjsModel(folder: string, units = 10, inputs = 768): string {
  mkdirSync(folder, { recursive: true });
  const kernel = new Float32Array(inputs * units).map((_, i) => (i % 7) / 7);
  const bias = new Float32Array(units);
  writeFileSync(join(folder, 'group1-shard1of1.bin'), Buffer.concat([Buffer.from(kernel.buffer), Buffer.from(bias.buffer)]));
  return writeJson(join(folder, 'model.json'), {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Sequential',
      config: { name: 'head', layers: [{ class_name: 'Dense', config: { units, activation: 'softmax', batch_input_shape: [null, inputs], name: 'dense' } }] },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'dense/kernel', shape: [inputs, units], dtype: 'float32' },
          { name: 'dense/bias', shape: [units], dtype: 'float32' },
        ],
      },
    ],
  });
}

export function mobilenetPipeline(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EXAMPLES, 'mobilenet.pipeline.json'), 'utf8')) as Record<string, unknown>;
}

/** MobileNet features → a 10-class TensorFlow.js classifier with its own labels file. */
export function writeCustomClassifierPipeline(dir: string): string {
  writeTfjsModel(join(dir, 'head'), 10, 768);
  writeFileSync(join(dir, 'labels.txt'), Array.from({ length: 10 }, (_, i) => `class ${i}`).join('\n') + '\n');
  const pipeline = mobilenetPipeline();
  pipeline.name = 'custom-head';
  pipeline.stages = [
    (pipeline.stages as unknown[])[0],
    (pipeline.stages as unknown[])[1],
    { type: 'tensorflow', name: 'flatten', model: 'head/model.json', inputTensor: 'x', outputTensor: 'y', inputShape: [1, 1, 768], outputShape: [768] },
    { type: 'classifier', name: 'classifier', model: 'head/model.json', inputTensor: 'dense_input', outputTensor: 'dense/Softmax', inputShape: [768], classes: 10 },
  ];
  pipeline.labels = 'labels.txt';
  return writeJson(join(dir, 'custom.pipeline.json'), pipeline);
}

/** MobileNet's "tf" pre-processing as a packaged stage: 224×224 bilinear, x / 127.5 − 1. */
export const TF_PREPROCESS: PreprocessServiceStage = {
  type: 'preprocess',
  name: 'preprocess',
  resize: { width: 224, height: 224 },
  interpolation: 'bilinear',
  channel_order: 'RGB',
  mean: [127.5, 127.5, 127.5],
  std: [127.5, 127.5, 127.5],
  scale: 1,
};

/** The error a test store reports for a file it was not given. */
export const unexpectedFolder = (path: string): UserError => new UserError(`test store file ${path} is missing`);

/** One PNG chunk (length, type, data, CRC), for images that lie about themselves. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
