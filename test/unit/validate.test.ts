import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { validatePipelineText } from '../../src/pipeline/validate';
import type { Problem } from '../../src/pipeline/validate';
import { EXAMPLES, tempDir, writeCustomClassifierPipeline, writeTfjsModel } from './helpers/fixtures';

const resnet = readFileSync(join(EXAMPLES, 'resnet50.pipeline.json'), 'utf8');
const mobilenet = readFileSync(join(EXAMPLES, 'mobilenet.pipeline.json'), 'utf8');

/** 1-based line:column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): string {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `fixture does not contain ${needle}`);
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before.at(-1) ?? '').length + 1}`;
}

function validate(text: string, path = join(EXAMPLES, 'x.pipeline.json')): Problem[] {
  return validatePipelineText(text, path).problems;
}

function only(problems: Problem[], severity: Problem['severity'] = 'error'): Problem {
  const matching = problems.filter((p) => p.severity === severity);
  assert.equal(matching.length, 1, `expected one ${severity}, got: ${JSON.stringify(problems.map((p) => p.message))}`);
  return matching[0] as Problem;
}

describe('valid pipelines', () => {
  test('both examples are valid with no warnings and give a typed pipeline', () => {
    for (const [file, text] of [['resnet50', resnet], ['mobilenet', mobilenet]] as const) {
      const result = validatePipelineText(text, join(EXAMPLES, `${file}.pipeline.json`));
      assert.deepEqual(result.problems, [], file);
      assert.equal(result.pipeline?.stages.length, 3);
      assert.equal(result.pipeline?.labels, 'imagenet');
    }
  });

  test('a TensorFlow.js stage and classifier with their own labels file are valid', () => {
    const path = writeCustomClassifierPipeline(tempDir());
    const result = validatePipelineText(readFileSync(path, 'utf8'), path);
    assert.deepEqual(result.problems, []);
    assert.equal(result.pipeline?.stages[3]?.type, 'classifier');
  });
});

describe('schema problems', () => {
  test('invalid JSON is reported at the offending character', () => {
    const text = '{\n  "name": "x",\n  "stages": [,\n}';
    const problems = validate(text);
    assert.ok(problems.length > 0);
    assert.match(problems[0]?.message ?? '', /invalid JSON/);
    assert.equal(`${problems[0]?.line}:${problems[0]?.column}`, '3:14');
  });

  test('an unknown stage type names the allowed ones, at the value', () => {
    const text = resnet.replace('"type": "accelerated"', '"type": "acelerated"');
    const problem = only(validate(text));
    assert.equal(problem.pointer, '/stages/1/type');
    assert.equal(`${problem.line}:${problem.column}`, positionOf(text, '"acelerated"'));
    assert.match(problem.message, /"preprocess", "accelerated", "tensorflow", "classifier"/);
  });

  test('an unknown property is reported at its key', () => {
    const text = resnet.replace('"topK": 5', '"topK": 5,\n  "tpoK": 3');
    const problem = only(validate(text));
    assert.equal(problem.pointer, '/tpoK');
    assert.equal(`${problem.line}:${problem.column}`, positionOf(text, '"tpoK"'));
    assert.match(problem.message, /unknown property "tpoK"/);
  });

  test('a missing required property is reported on its object', () => {
    const text = resnet.replace('"labels": "imagenet",\n', '');
    const problem = only(validate(text));
    assert.equal(problem.pointer, '');
    assert.equal(`${problem.line}:${problem.column}`, '1:1');
    assert.match(problem.message, /missing the required property "labels"/);
  });

  test('resize with both forms at once is one clear problem', () => {
    const text = resnet.replace('{ "shorterSide": 256 }', '{ "shorterSide": 256, "width": 224 }');
    const problem = only(validate(text));
    assert.equal(problem.pointer, '/stages/0/resize');
    assert.match(problem.message, /width", "height"}, or with \{"shorterSide"}/);
  });
});

describe('semantic problems', () => {
  test('an unknown featurizer says what the catalog has and suggests the closest', () => {
    const text = resnet.replace('"model": "resnet50"', '"model": "resnet51"');
    const problem = only(validate(text));
    assert.equal(problem.source, 'semantic');
    assert.equal(problem.pointer, '/stages/1/model');
    assert.equal(`${problem.line}:${problem.column}`, positionOf(text, '"resnet51"'));
    assert.match(problem.message, /unknown featurizer "resnet51": did you mean "resnet50"\?/);
    assert.match(problem.message, /densenet121/);
  });

  test('an unknown version lists the available ones', () => {
    const problem = only(validate(resnet.replace('"version": "1"', '"version": "7"')));
    assert.equal(problem.pointer, '/stages/1/version');
    assert.match(problem.message, /no version "7"; available: 1/);
  });

  test('an empty pipeline asks for stages', () => {
    const text = '{\n  "name": "empty",\n  "stages": [],\n  "labels": "imagenet"\n}\n';
    const problem = only(validate(text));
    assert.equal(problem.pointer, '/stages');
    assert.equal(`${problem.line}:${problem.column}`, positionOf(text, '[]'));
    assert.match(problem.message, /no stages/);
  });

  test('duplicate stage names point at the second one', () => {
    const text = resnet.replace('"name": "classifier"', '"name": "featurizer"');
    const problem = only(validate(text));
    assert.equal(problem.pointer, '/stages/2/name');
    assert.equal(problem.line, Number(positionOf(text, '"name": "featurizer", "model": "default"').split(':')[0]));
    assert.match(problem.message, /duplicate stage name "featurizer": stages\[1\] already uses it/);
  });

  test('stage shapes that do not chain: variable-size image into a fixed-size featurizer', () => {
    const text = resnet.replace('"centerCrop": [224, 224],\n', '');
    const problem = only(validate(text));
    assert.equal(problem.pointer, '/stages/1');
    assert.match(problem.message, /takes \[224, 224, 3\] but stage "preprocess" produces \[-1, -1, 3\]/);
  });

  test('stage shapes that do not chain: a TensorFlow.js stage expecting other features', () => {
    const dir = tempDir();
    writeTfjsModel(join(dir, 'head'), 10, 2048);
    const text = mobilenet.replace(
      '{ "type": "classifier", "name": "classifier", "model": "default" }',
      '{ "type": "classifier", "name": "classifier", "model": "head/model.json", "inputTensor": "x", "outputTensor": "y", "inputShape": [1, 1, 2048], "classes": 1000 }',
    );
    const problem = only(validate(text, join(dir, 'p.pipeline.json')));
    assert.equal(problem.pointer, '/stages/2/inputShape');
    assert.match(problem.message, /takes \[1, 1, 2048\] but stage "featurizer" produces \[1, 1, 768\]/);
  });

  test('impossible pre-processing values', () => {
    const cases: [string, string, string, RegExp][] = [
      ['"centerCrop": [224, 224]', '"centerCrop": [300, 224]', '/stages/0/centerCrop', /does not fit in an image whose shorter side is 256/],
      ['"mean": [103.939, 116.779, 123.68]', '"mean": [103.939, 116.779, 123.68], "std": [1, 0, 1]', '/stages/0/std/1', /std\[1\] is 0/],
      ['"mean": [103.939, 116.779, 123.68]', '"mean": [103.939, 116.779, 123.68], "scale": 0', '/stages/0/scale', /scale is 0/],
    ];
    for (const [from, to, pointer, message] of cases) {
      const problem = validate(resnet.replace(from, to)).find((p) => p.pointer === pointer);
      assert.ok(problem, `no problem at ${pointer}`);
      assert.equal(problem.severity, 'error');
      assert.match(problem.message, message);
    }
    const exact = mobilenet.replace('"channelOrder"', '"centerCrop": [256, 224],\n      "channelOrder"');
    const problem = only(validate(exact));
    assert.equal(problem.pointer, '/stages/0/centerCrop');
    assert.match(problem.message, /larger than the resized image \[224, 224\]/);
  });

  test('pre-processing that differs from the featurizer convention is a warning, not an error', () => {
    const text = resnet.replace('"BGR"', '"RGB"');
    const result = validatePipelineText(text, join(EXAMPLES, 'x.pipeline.json'));
    const warning = only(result.problems, 'warning');
    assert.equal(warning.pointer, '/stages/0/channelOrder');
    assert.match(warning.message, /trained on BGR input/);
    assert.ok(result.pipeline, 'a pipeline with only warnings still validates');
  });

  test('missing model file, missing weights and missing labels file', () => {
    const dir = tempDir();
    const path = writeCustomClassifierPipeline(dir);
    const text = readFileSync(path, 'utf8');
    const noModel = validate(text.replace(/"model": "head\/model.json"/g, '"model": "nowhere/model.json"'), path).filter((p) => p.severity === 'error');
    assert.deepEqual(noModel.map((p) => p.pointer), ['/stages/2/model', '/stages/3/model']);
    assert.match(noModel[0]?.message ?? '', /model file not found: .*nowhere\/model.json/);

    rmSync(join(dir, 'head', 'group1-shard1of1.bin'));
    const noWeights = validate(text, path).filter((p) => p.severity === 'error');
    assert.equal(noWeights[0]?.pointer, '/stages/2/model');
    assert.match(noWeights[0]?.message ?? '', /weight files listed in head\/model.json are missing: group1-shard1of1.bin/);

    const noLabels = only(validate(text.replace('"labels.txt"', '"missing.txt"'), join(dir, 'other.pipeline.json')).filter((p) => p.pointer === '/labels'));
    assert.match(noLabels.message, /labels file not found: .*missing.txt/);
  });

  test('labels file with the wrong number of classes, and topK over the class count', () => {
    const dir = tempDir();
    const path = writeCustomClassifierPipeline(dir);
    writeFileSync(join(dir, 'labels.txt'), 'a\nb\nc\n');
    const text = readFileSync(path, 'utf8');
    const problem = only(validate(text, path));
    assert.equal(problem.pointer, '/labels');
    assert.match(problem.message, /labels.txt has 3 class names but the classifier scores 10 classes/);

    writeFileSync(join(dir, 'labels.txt'), Array.from({ length: 10 }, (_, i) => `c${i}`).join('\n'));
    const topK = only(validate(text.replace('"topK": 5', '"topK": 11'), path));
    assert.equal(topK.pointer, '/topK');
    assert.match(topK.message, /topK is 11 but the classifier scores only 10 classes/);
  });

  test('stage order: preprocess first, classifier last, default classifier after a featurizer', () => {
    const noPreprocess = JSON.stringify({ name: 'x', labels: 'imagenet', stages: [{ type: 'accelerated', name: 'f', model: 'resnet50' }, { type: 'classifier', name: 'c', model: 'default' }] });
    assert.match(only(validate(noPreprocess)).message, /first stage must be a preprocess stage/);

    const noClassifier = resnet.replace(',\n    { "type": "classifier", "name": "classifier", "model": "default" }', '');
    const problem = only(validate(noClassifier));
    assert.equal(problem.pointer, '/stages/1/type');
    assert.match(problem.message, /must end with a classifier stage/);

    const orphan = JSON.stringify({ name: 'x', labels: 'imagenet', stages: [{ type: 'preprocess', name: 'p', resize: { width: 224, height: 224 } }, { type: 'classifier', name: 'c', model: 'default' }] });
    assert.match(only(validate(orphan)).message, /default classifier belongs to a featurizer/);
  });

  test('every problem carries a pointer that resolves inside the document', () => {
    const text = resnet.replace('"resnet50"', '"resnet5"').replace('"name": "classifier"', '"name": "preprocess"').replace('"topK": 5', '"topK": 0');
    const problems = validate(text);
    assert.equal(problems.length, 3);
    for (const p of problems) {
      assert.ok(p.offset >= 0 && p.offset < text.length && p.length > 0, JSON.stringify(p));
      assert.ok(p.line >= 1 && p.column >= 1);
    }
    assert.deepEqual(problems.map((p) => p.offset), [...problems.map((p) => p.offset)].sort((a, b) => a - b), 'sorted by position');
  });
});
