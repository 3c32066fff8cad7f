import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sha256Hex } from '../../src/common/hash';
import { readModelDef } from '../../src/pipeline/modelDefReader';
import { defaultModelDefPath, packagePipeline, packagePipelineFile, PipelineInvalidError } from '../../src/pipeline/packager';
import { EXAMPLES, mobilenetPipeline, tempDir, writeCustomClassifierPipeline, writeJson } from './helpers/fixtures';

describe('packaging', () => {
  test('the same inputs give byte-identical zips, whatever the time, zone or file times', async () => {
    const dir = tempDir();
    const path = writeCustomClassifierPipeline(dir);
    const first = await packagePipeline(path);
    utimesSync(join(dir, 'head', 'model.json'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const zone = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      const second = await packagePipeline(path);
      assert.equal(sha256Hex(second.zip), sha256Hex(first.zip));
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  test('a changed input changes the zip', async () => {
    const dir = tempDir();
    const path = writeCustomClassifierPipeline(dir);
    const before = await packagePipeline(path);
    writeFileSync(join(dir, 'labels.txt'), Array.from({ length: 10 }, (_, i) => `renamed ${i}`).join('\n'));
    const after = await packagePipeline(path);
    assert.notEqual(sha256Hex(after.zip), sha256Hex(before.zip));
  });

  test('service_def.json keeps the original shape: brainwave stages with model_ref, model_version, output_tensor_dims', async () => {
    const { serviceDef, zip } = await packagePipeline(join(EXAMPLES, 'resnet50.pipeline.json'));
    assert.equal(serviceDef.aml_runtime_version, '1.1');
    const text = readModelDef(zip).files.get('service_def.json')?.toString('utf8') ?? '';
    const json = JSON.parse(text) as { pipeline: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(json), ['aml_runtime_version', 'labels', 'name', 'pipeline', 'top_k'], 'keys sorted');
    assert.deepEqual(json.pipeline[1], {
      input_tensor_dims: [224, 224, 3],
      model_ref: 'resnet50',
      model_version: '1',
      name: 'featurizer',
      output_tensor_dims: [1, 1, 2048],
      precision: 'fp32',
      type: 'brainwave',
    });
    assert.equal(json.pipeline[0]?.center_crop?.toString(), '224,224');
    assert.ok(!text.includes('null'), 'null fields are left out');
  });

  test('pack → read round trip: every file, the labels and a verified manifest', async () => {
    const dir = tempDir();
    const path = writeCustomClassifierPipeline(dir);
    const packaged = await packagePipeline(path);
    const read = readModelDef(packaged.zip);
    assert.deepEqual(read.serviceDef, packaged.serviceDef);
    assert.deepEqual(read.manifest, packaged.manifest);
    assert.deepEqual(
      [...read.files.keys()].sort(),
      ['labels.txt', 'manifest.json', 'service_def.json', 'stages/classifier/group1-shard1of1.bin', 'stages/classifier/model.json', 'stages/flatten/group1-shard1of1.bin', 'stages/flatten/model.json'],
    );
    assert.deepEqual(read.files.get('stages/classifier/group1-shard1of1.bin'), readFileSync(join(dir, 'head', 'group1-shard1of1.bin')));
    assert.deepEqual(read.files.get('labels.txt'), readFileSync(join(dir, 'labels.txt')));
    assert.deepEqual(read.serviceDef.labels, { path: 'labels.txt' });
    const classifier = read.serviceDef.pipeline[3];
    assert.equal(classifier?.type, 'classifier');
    assert.ok(classifier && 'model_path' in classifier && classifier.model_path === 'stages/classifier/model.json');
    for (const entry of read.manifest.entries) {
      assert.equal(entry.sha256, sha256Hex(read.files.get(entry.path) as Buffer), entry.path);
    }
  });

  test('packagePipelineFile writes model_def.zip beside the pipeline by default and reports it', async () => {
    const dir = tempDir();
    const pipeline = writeJson(join(dir, 'm.pipeline.json'), mobilenetPipeline());
    const result = await packagePipelineFile(pipeline);
    assert.equal(result.outPath, defaultModelDefPath(pipeline));
    assert.equal(result.outPath, join(dir, 'model_def.zip'));
    const bytes = readFileSync(result.outPath);
    assert.equal(result.bytes, bytes.length);
    assert.equal(result.sha256, sha256Hex(bytes));
    assert.equal(result.entries, 2);
    assert.deepEqual(readdirSync(dir).sort(), ['m.pipeline.json', 'model_def.zip'], 'no temporary file left');
  });

  test('an invalid pipeline throws every problem and writes nothing', async () => {
    const dir = tempDir();
    const pipeline = mobilenetPipeline();
    (pipeline.stages as Record<string, unknown>[])[1]!.model = 'mobilenet_v3';
    pipeline.topK = 0;
    const path = writeJson(join(dir, 'bad.pipeline.json'), pipeline);
    await assert.rejects(packagePipelineFile(path), (error: unknown) => {
      assert.ok(error instanceof PipelineInvalidError);
      assert.equal(error.problems.length, 2);
      assert.match(error.message, /bad.pipeline.json:\d+:\d+: /);
      assert.match(error.message, /and 1 more problem/);
      return true;
    });
    assert.ok(!existsSync(join(dir, 'model_def.zip')));
  });

  test('a missing pipeline file is a clear user error', async () => {
    await assert.rejects(packagePipelineFile('/nonexistent/x.pipeline.json'), /pipeline file not found: \/nonexistent\/x.pipeline.json/);
  });
});
