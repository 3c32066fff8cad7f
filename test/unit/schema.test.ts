/**
 * The pipeline schema as VS Code's own JSON language service (the code behind the JSON
 * editor and `jsonValidation`) sees it: completion, hover and validation.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getLanguageService, TextDocument } from 'vscode-json-languageservice';
import type { Diagnostic } from 'vscode-json-languageservice';
import { FEATURIZERS } from '../../src/pipeline/featurizers';
import schema from '../../src/pipeline/pipeline.schema.json';
import { STAGE_TYPES } from '../../src/pipeline/types';
import { EXAMPLES } from './helpers/fixtures';

const SCHEMA_URI = 'file:///schemas/pipeline.schema.json';

function languageService() {
  const service = getLanguageService({
    schemaRequestService: () => Promise.resolve(JSON.stringify(schema)),
  });
  // The same association package.json declares in contributes.jsonValidation.
  service.configure({ validate: true, schemas: [{ uri: SCHEMA_URI, fileMatch: ['*.pipeline.json'] }] });
  return service;
}

/** Runs `action` at the `|` marker of `textWithCursor`. */
function at(textWithCursor: string) {
  const offset = textWithCursor.indexOf('|');
  const text = textWithCursor.slice(0, offset) + textWithCursor.slice(offset + 1);
  const document = TextDocument.create('file:///work/x.pipeline.json', 'json', 1, text);
  const service = languageService();
  const json = service.parseJSONDocument(document);
  return { service, document, json, position: document.positionAt(offset) };
}

async function completions(textWithCursor: string): Promise<string[]> {
  const { service, document, json, position } = at(textWithCursor);
  const list = await service.doComplete(document, position, json);
  return (list?.items ?? []).map((item) => item.label);
}

async function diagnostics(text: string): Promise<Diagnostic[]> {
  const document = TextDocument.create('file:///work/x.pipeline.json', 'json', 1, text);
  const service = languageService();
  return service.doValidation(document, service.parseJSONDocument(document));
}

describe('pipeline schema in the JSON editor', () => {
  test('completes the stage type', async () => {
    const labels = await completions('{ "name": "x", "labels": "imagenet", "stages": [ { "type": | } ] }');
    for (const type of STAGE_TYPES) assert.ok(labels.includes(`"${type}"`), `missing "${type}" in ${labels.join(', ')}`);
  });

  test('completes featurizer names and stage properties', async () => {
    const models = await completions('{ "name": "x", "labels": "imagenet", "stages": [ { "type": "accelerated", "name": "f", "model": | } ] }');
    for (const featurizer of FEATURIZERS) assert.ok(models.includes(`"${featurizer.name}"`), featurizer.name);
    const properties = await completions('{ "name": "x", "labels": "imagenet", "stages": [ { "type": "preprocess", "name": "p", | } ] }');
    for (const property of ['resize', 'centerCrop', 'channelOrder', 'mean', 'std', 'scale']) assert.ok(properties.includes(property), property);
  });

  test('explains fields on hover', async () => {
    const { service, document, json, position } = at('{ "name": "x", "labels": "imagenet", "stages": [ { "type": "preprocess", "name": "p", "channel|Order": "BGR" } ] }');
    const hover = await service.doHover(document, position, json);
    assert.match(JSON.stringify(hover?.contents), /Channel order the next stage expects/);
  });

  test('the examples raise no schema diagnostics; a wrong stage field does', async () => {
    for (const file of ['resnet50.pipeline.json', 'mobilenet.pipeline.json']) {
      assert.deepEqual(await diagnostics(readFileSync(join(EXAMPLES, file), 'utf8')), [], file);
    }
    const wrong = await diagnostics('{ "name": "x", "labels": "imagenet", "stages": [ { "type": "accelerated", "name": "f", "model": "resnet50", "precision": "fp16" } ] }');
    assert.equal(wrong.length, 1);
    const message = wrong[0]?.message ?? '';
    assert.match(typeof message === 'string' ? message : message.value, /fp32/);
  });

  test('an unknown featurizer is left to the semantic check, which names the closest one', async () => {
    const text = '{ "name": "x", "labels": "imagenet", "stages": [ { "type": "accelerated", "name": "f", "model": "resnet51", "version": "9" } ] }';
    assert.deepEqual(await diagnostics(text), [], 'no second, vaguer message from the JSON editor');
  });

  test('the featurizer names offered match the catalog', () => {
    const [names] = schema.definitions.accelerated.properties.model.anyOf;
    assert.deepEqual(names?.enum, FEATURIZERS.map((f) => f.name));
    assert.equal(names?.enumDescriptions?.length, FEATURIZERS.length);
    assert.deepEqual(schema.definitions.stage.properties.type.enum, [...STAGE_TYPES]);
  });
});
