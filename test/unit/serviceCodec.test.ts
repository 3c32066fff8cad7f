/** Open Inference Protocol request parsing and response encoding, JSON and binary, without a server. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeBytesElements, decodeFloat32, encodeBytesElements, encodeFloat32 } from '../../src/service/binaryCodec';
import { HttpError } from '../../src/service/httpError';
import { classificationString, encodeInferResponse, parseInferRequest } from '../../src/service/oipCodec';
import type { InferResult, OutputRequest } from '../../src/service/oipCodec';
import { binaryBody, bytesElements } from './helpers/serviceHelpers';

const SIGNATURE = { inputShape: [2, 2, 3], classes: 4 };

function parse(body: object | string, headerLength?: number): ReturnType<typeof parseInferRequest> {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return parseInferRequest(bytes, headerLength === undefined ? undefined : String(headerLength), SIGNATURE);
}

function rejects400(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, 400);
    assert.match(error.message, pattern);
    return true;
  });
}

const image = (text: string): string => Buffer.from(text).toString('base64');

describe('infer request parsing', () => {
  test('BYTES images as base64 JSON, shape [N] or [N, 1], flat or nested', () => {
    const flat = parse({ id: 'r1', inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], data: [image('a'), image('bc')] }] });
    assert.equal(flat.id, 'r1');
    assert.equal(flat.payload.kind, 'images');
    assert.deepEqual(flat.payload.kind === 'images' && flat.payload.images.map(String), ['a', 'bc']);
    const nested = parse({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [2, 1], data: [[image('a')], [image('b')]] }] });
    assert.equal(nested.payload.kind === 'images' && nested.payload.images.length, 2);
  });

  test('FP32 tensors, flat or nested, split per image', () => {
    const values = Array.from({ length: 24 }, (_, i) => i / 2);
    const flat = parse({ inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 2, 2, 3], data: values }] });
    assert.equal(flat.payload.kind, 'tensors');
    if (flat.payload.kind !== 'tensors') return;
    assert.equal(flat.payload.tensors.length, 2);
    assert.deepEqual(flat.payload.tensors[0]?.shape, [2, 2, 3]);
    assert.deepEqual(Array.from(flat.payload.tensors[1]?.data ?? []), values.slice(12));
    const nested = parse({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2, 2, 3], data: [[[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]]] }] });
    assert.equal(nested.payload.kind === 'tensors' && nested.payload.tensors[0]?.data[11], 11);
  });

  test('binary inputs: BYTES with 4-byte lengths, FP32 little-endian', () => {
    const images = [Buffer.from('first'), Buffer.from('second image')];
    const section = bytesElements(images);
    const { body, headerLength } = binaryBody({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: section.length } }] }, [section]);
    const parsed = parseInferRequest(body, String(headerLength), SIGNATURE);
    assert.deepEqual(parsed.payload.kind === 'images' && parsed.payload.images.map(String), ['first', 'second image']);

    const floats = Float32Array.from({ length: 12 }, (_, i) => i - 5.5);
    const data = encodeFloat32(floats);
    const tensorBody = binaryBody({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2, 2, 3], parameters: { binary_data_size: data.length } }] }, [data]);
    const tensors = parseInferRequest(tensorBody.body, String(tensorBody.headerLength), SIGNATURE);
    assert.deepEqual(Array.from(tensors.payload.kind === 'tensors' ? (tensors.payload.tensors[0]?.data ?? []) : []), Array.from(floats));
  });

  test('output options: classification per output or per request, binary per output or per request', () => {
    const inputs = [{ name: 'image', datatype: 'BYTES', shape: [1], data: [image('x')] }];
    assert.deepEqual(parse({ inputs }).output, { binary: false });
    assert.deepEqual(parse({ inputs, outputs: [{ name: 'scores', parameters: { classification: 3 } }] }).output, { binary: false, classification: 3 });
    assert.deepEqual(parse({ inputs, parameters: { classification: 2, binary_data_output: true } }).output, { binary: true, classification: 2 });
    assert.deepEqual(parse({ inputs, parameters: { binary_data_output: true }, outputs: [{ name: 'scores', parameters: { binary_data: false } }] }).output, { binary: false });
  });

  test('every malformed request is a 400 that says what is wrong', () => {
    const good = { name: 'image', datatype: 'BYTES', shape: [1], data: [image('x')] };
    rejects400(() => parse('{"inputs": ['), /not valid JSON/);
    rejects400(() => parse([1, 2]), /JSON object/);
    rejects400(() => parse({ inputs: [] }), /exactly one input.*got 0/);
    rejects400(() => parse({ inputs: [good, good] }), /exactly one input.*got 2/);
    rejects400(() => parse({ inputs: [{ ...good, name: 'pixels' }] }), /unknown input "pixels"/);
    rejects400(() => parse({ inputs: [{ name: 'input', datatype: 'INT32', shape: [1, 2, 2, 3], data: new Array(12).fill(1) }] }), /datatype INT32; it must be FP32/);
    rejects400(() => parse({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 2, 2], data: new Array(12).fill(1) }] }), /shape \[1, 3, 2, 2\]; it must be \[N, 2, 2, 3\]/);
    rejects400(() => parse({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2, 2, 3], data: new Array(11).fill(1) }] }), /holds 11 values/);
    rejects400(() => parse({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2, 2, 3], data: ['a', ...new Array<number>(11).fill(1)] }] }), /only numbers/);
    rejects400(() => parse({ inputs: [{ ...good, shape: [2] }] }), /shape \[2\] but holds 1 elements/);
    rejects400(() => parse({ inputs: [{ ...good, shape: [0], data: [] }] }), /holds no images/);
    rejects400(() => parse({ inputs: [{ ...good, data: ['not base64!'] }] }), /not a base64 string/);
    rejects400(() => parse({ inputs: [{ ...good, data: undefined }] }), /"data" is missing/);
    rejects400(() => parse({ inputs: [good], outputs: [{ name: 'probabilities' }] }), /unknown output "probabilities"/);
    assert.equal(parse({ inputs: [good], parameters: { classification: 5 } }).output.classification, 4, 'more classes than the model has gives all of them');
    rejects400(() => parse({ inputs: [good], parameters: { classification: 0 } }), /1 or more/);
    let deep: unknown = [1];
    for (let i = 0; i < 1000; i++) deep = [deep];
    rejects400(() => parse({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2, 2, 3], data: deep }] }), /nested too deeply/);
  });

  test('binary bodies whose header and sizes disagree are 400s', () => {
    const section = bytesElements([Buffer.from('abc')]);
    const header = { inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: section.length } }] };
    const { body, headerLength } = binaryBody(header, [section]);
    rejects400(() => parseInferRequest(body, String(body.length + 1), SIGNATURE), /Inference-Header-Content-Length/);
    rejects400(() => parseInferRequest(Buffer.concat([body, Buffer.from('zz')]), String(headerLength), SIGNATURE), /2 bytes follow/);
    rejects400(() => parseInferRequest(body.subarray(0, body.length - 1), String(headerLength), SIGNATURE), /runs past the end/);
    const cut = Buffer.from(section);
    cut.writeUInt32LE(99, 0);
    rejects400(() => parseInferRequest(binaryBody(header, [cut]).body, String(headerLength), SIGNATURE), /declares 99 bytes/);
  });
});

describe('infer response encoding', () => {
  const rows = [Float32Array.from([0.1, 0.6, 0.2, 0.1]), Float32Array.from([0.7, 0.1, 0.1, 0.1])];
  const result: InferResult = {
    modelName: 'cats',
    modelVersion: '1',
    id: 'r1',
    parameters: { backend: 'wasm' },
    rows,
    classes: 4,
    top: (row, k) =>
      Array.from(row, (score, index) => ({ index, label: `class ${index}`, score }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k),
  };
  const encode = (output: OutputRequest): ReturnType<typeof encodeInferResponse> => encodeInferResponse(result, output);

  test('JSON scores: FP32 [N, classes], row-major', () => {
    const { body, headers } = encode({ binary: false });
    assert.equal(headers['Content-Type'], 'application/json');
    const json = JSON.parse(body.toString()) as { model_name: string; id: string; outputs: { name: string; datatype: string; shape: number[]; data: number[] }[] };
    assert.equal(json.model_name, 'cats');
    assert.equal(json.id, 'r1');
    assert.deepEqual(json.outputs[0]?.shape, [2, 4]);
    assert.equal(json.outputs[0]?.datatype, 'FP32');
    assert.deepEqual(json.outputs[0]?.data, [...Array.from(rows[0] ?? []), ...Array.from(rows[1] ?? [])]);
  });

  test('classification: BYTES [N, k] of "score:index:label"', () => {
    const json = JSON.parse(encode({ binary: false, classification: 2 }).body.toString()) as { outputs: { datatype: string; shape: number[]; data: string[] }[] };
    assert.deepEqual(json.outputs[0]?.shape, [2, 2]);
    assert.equal(json.outputs[0]?.datatype, 'BYTES');
    assert.deepEqual(json.outputs[0]?.data, ['0.600000:1:class 1', '0.200000:2:class 2', '0.700000:0:class 0', '0.100000:1:class 1']);
    assert.equal(classificationString({ index: 3, label: '', score: 0.5 }), '0.500000:3');
  });

  test('binary output: JSON header with binary_data_size, then the data', () => {
    const { body, headers } = encode({ binary: true });
    const length = Number(headers['Inference-Header-Content-Length']);
    const header = JSON.parse(body.subarray(0, length).toString()) as { outputs: { parameters: { binary_data_size: number }; data?: unknown }[] };
    assert.equal(header.outputs[0]?.parameters.binary_data_size, 32);
    assert.equal(header.outputs[0]?.data, undefined);
    assert.deepEqual(Array.from(decodeFloat32(body.subarray(length), 'x')), [...Array.from(rows[0] ?? []), ...Array.from(rows[1] ?? [])]);

    const strings = encode({ binary: true, classification: 1 });
    const stringsLength = Number(strings.headers['Inference-Header-Content-Length']);
    assert.deepEqual(decodeBytesElements(strings.body.subarray(stringsLength), 'x').map(String), ['0.600000:1:class 1', '0.700000:0:class 0']);
  });

  test('BYTES elements round-trip', () => {
    const encoded = encodeBytesElements(['', 'ab', Buffer.from([0, 255])]);
    assert.deepEqual(
      decodeBytesElements(encoded, 'x').map((b) => Array.from(b)),
      [[], [97, 98], [0, 255]],
    );
  });
});
