/** New Pipeline from Template writes a valid pipeline for every featurizer (src/ui/templates). */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FEATURIZERS } from '../../src/pipeline/featurizers';
import type { FeaturizerInfo } from '../../src/pipeline/featurizers';
import { validatePipelineText } from '../../src/pipeline/validate';
import { orderByWeights, weightsDescription } from '../../src/ui/templates/featurizerChoice';
import {
  featurizerDetail,
  pipelineFilePath,
  pipelineNameFromFile,
  pipelineTemplate,
  pipelineTemplateText,
  templatePipelineName,
} from '../../src/ui/templates/pipelineTemplate';

function mobilenetWidth075(): FeaturizerInfo {
  const featurizer = FEATURIZERS.find((f) => f.name === 'mobilenet_v1_0.75');
  assert.ok(featurizer);
  return featurizer;
}

void describe('pipeline template', () => {
  for (const featurizer of FEATURIZERS) {
    void it(`is valid with zero problems for ${featurizer.name}`, () => {
      const text = pipelineTemplateText(featurizer);
      const { pipeline, problems } = validatePipelineText(text, join(process.cwd(), `${templatePipelineName(featurizer)}.pipeline.json`));
      assert.deepEqual(problems, []);
      assert.ok(pipeline);
      assert.equal(pipeline.labels, 'imagenet');
      assert.equal(pipeline.topK, 5);
      assert.deepEqual(pipeline.stages.map((s) => s.type), ['preprocess', 'accelerated', 'classifier']);
      assert.ok(text.endsWith('}\n'));
    });
  }

  void it('names the featurizer and its conventional pre-processing', () => {
    const resnet = FEATURIZERS.find((f) => f.name === 'resnet50');
    assert.ok(resnet);
    const pipeline = pipelineTemplate(resnet, 'my-resnet');
    assert.equal(pipeline.name, 'my-resnet');
    assert.deepEqual(pipeline.stages[1], { type: 'accelerated', name: 'featurizer', model: 'resnet50', version: '1', precision: 'fp32' });
    assert.deepEqual(pipeline.stages[0], {
      type: 'preprocess',
      name: 'preprocess',
      resize: { shorterSide: 256 },
      centerCrop: [224, 224],
      channelOrder: 'BGR',
      mean: [103.939, 116.779, 123.68],
      std: [1, 1, 1],
    });
  });

  void it('gives names that are valid pipeline names', () => {
    for (const featurizer of FEATURIZERS) assert.match(templatePipelineName(featurizer), /^[a-z0-9][a-z0-9-]*$/);
    assert.equal(templatePipelineName(mobilenetWidth075()), 'mobilenet-v1-0-75-imagenet');
  });

  void it('details the feature shape and pre-processing in the quick pick', () => {
    const vgg = FEATURIZERS.find((f) => f.name === 'vgg16');
    assert.ok(vgg);
    assert.equal(featurizerDetail(vgg), 'features 7×7×512 · resize shorter side to 256, center crop 224×224, BGR, mean 103.939/116.779/123.68 subtracted');
    const mobilenet = FEATURIZERS.find((f) => f.name === 'mobilenet_v1_1.0');
    assert.ok(mobilenet);
    assert.equal(featurizerDetail(mobilenet), 'features 1×1×1024 · resize to 224×224, RGB, mean 127.5/127.5/127.5, std 127.5/127.5/127.5');
  });

  void it('keeps exactly one .pipeline.json whatever the save dialog appended', () => {
    for (const saved of ['resnet50-imagenet.pipeline.json', 'resnet50-imagenet.pipeline.json.json', 'resnet50-imagenet.pipeline.json.pipeline.json', 'resnet50-imagenet', 'resnet50-imagenet.json', 'resnet50-imagenet.pipeline']) {
      assert.equal(pipelineFilePath(`/work/a.b/${saved}`), '/work/a.b/resnet50-imagenet.pipeline.json', saved);
    }
  });

  void it('names the pipeline after its file, not after the suffix', () => {
    assert.equal(pipelineNameFromFile(pipelineFilePath('/w/resnet50-imagenet.pipeline.json.json'), 'x'), 'resnet50-imagenet');
    assert.equal(pipelineNameFromFile('/w/my cats.pipeline.json', 'mobilenet-v1-0-75-imagenet'), 'mobilenet-v1-0-75-imagenet');
  });

  void it('offers featurizers with real weights first, then generated, then missing', () => {
    const real = new Set(['mobilenet_v1_0.75', 'mobilenet_v1_0.25']);
    const ordered = orderByWeights(FEATURIZERS, (name) => (real.has(name) ? 'present' : name.startsWith('mobilenet') ? 'missing' : 'synthetic'));
    assert.deepEqual(
      ordered.map((c) => c.featurizer.name),
      ['mobilenet_v1_0.25', 'mobilenet_v1_0.75', 'resnet50', 'resnet152', 'densenet121', 'vgg16', 'mobilenet_v1_0.5', 'mobilenet_v1_1.0'],
    );
    assert.equal(weightsDescription('synthetic'), 'generated weights: real timings, meaningless classes');
  });
});
