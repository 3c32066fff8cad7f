/**
 * Open Inference Protocol v2 (KServe / Triton) inference requests and responses, JSON and
 * binary. A service takes one input: `image` (BYTES, one encoded image per element, base64
 * in JSON) or `input` (FP32 [N, ...inputShape], already pre-processed), and produces one
 * output: `scores` (FP32 [N, classes]), or with the classification extension BYTES [N, k]
 * of "score:index:label" strings.
 */
import type { ImageTensor, Prediction } from '../runtime/types';
import { BinarySections, decodeBytesElements, decodeFloat32, encodeBytesElements, encodeFloat32, splitBinaryBody } from './binaryCodec';
import { badRequest } from './httpError';

export const IMAGE_INPUT = 'image';
export const TENSOR_INPUT = 'input';
export const SCORES_OUTPUT = 'scores';

export interface ModelSignature {
  inputShape: readonly number[];
  classes: number;
}

export type InferPayload = { kind: 'images'; images: Buffer[] } | { kind: 'tensors'; tensors: ImageTensor[] };

export interface OutputRequest {
  /** Top-k as classification strings instead of raw scores. */
  classification?: number;
  binary: boolean;
}

export interface InferRequest {
  id?: string;
  payload: InferPayload;
  output: OutputRequest;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and checks an infer request body (JSON, or JSON header + binary data). */
export function parseInferRequest(body: Buffer, headerLength: string | undefined, signature: ModelSignature): InferRequest {
  const { json, binary } = headerLength === undefined ? { json: body, binary: Buffer.alloc(0) } : splitBinaryBody(body, headerLength);
  let root: unknown;
  try {
    root = JSON.parse(json.toString('utf8'));
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(root)) throw badRequest('the request body must be a JSON object with "inputs"');
  const id = root.id;
  if (id !== undefined && typeof id !== 'string') throw badRequest('"id" must be a string');
  const parameters = optionalObject(root.parameters, 'parameters');
  const inputs = root.inputs;
  if (!Array.isArray(inputs)) throw badRequest('"inputs" must be an array holding one input');
  if (inputs.length !== 1) {
    throw badRequest(`expected exactly one input ("${IMAGE_INPUT}" BYTES or "${TENSOR_INPUT}" FP32), got ${inputs.length}`);
  }
  const sections = new BinarySections(binary);
  const payload = parseInput(inputs[0], signature, sections);
  sections.finish();
  const output = parseOutputs(root.outputs, parameters, signature.classes);
  return { ...(id !== undefined ? { id } : {}), payload, output };
}

function optionalObject(value: unknown, what: string): Json {
  if (value === undefined) return {};
  if (!isObject(value)) throw badRequest(`"${what}" must be an object`);
  return value;
}

function parseShape(value: unknown, what: string): number[] {
  if (!Array.isArray(value) || !value.every((d): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw badRequest(`${what}: "shape" must be an array of non-negative integers`);
  }
  return value;
}

function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

function parseInput(value: unknown, signature: ModelSignature, sections: BinarySections): InferPayload {
  if (!isObject(value)) throw badRequest('inputs[0] must be an object with "name", "shape", "datatype" and "data"');
  const { name, datatype } = value;
  if (typeof name !== 'string') throw badRequest('inputs[0]: "name" must be a string');
  const what = `input "${name}"`;
  if (typeof datatype !== 'string') throw badRequest(`${what}: "datatype" must be a string`);
  const expected = name === IMAGE_INPUT ? 'BYTES' : name === TENSOR_INPUT ? 'FP32' : undefined;
  if (!expected) {
    throw badRequest(`unknown input "${name}": this model takes "${IMAGE_INPUT}" (BYTES, encoded images) or "${TENSOR_INPUT}" (FP32 ${formatShape(['N', ...signature.inputShape])})`);
  }
  if (datatype !== expected) throw badRequest(`${what} has datatype ${datatype}; it must be ${expected}`);
  const shape = parseShape(value.shape, what);
  const parameters = optionalObject(value.parameters, `${what} parameters`);
  const binarySize = parameters.binary_data_size;
  let section: Buffer | undefined;
  if (binarySize !== undefined) {
    if (typeof binarySize !== 'number' || !Number.isInteger(binarySize) || binarySize < 0) {
      throw badRequest(`${what}: parameters.binary_data_size must be a non-negative integer`);
    }
    if (value.data !== undefined) throw badRequest(`${what}: has both "data" and parameters.binary_data_size; send one`);
    section = sections.take(binarySize, what);
  } else if (value.data === undefined) {
    throw badRequest(`${what}: "data" is missing (or send it as binary data with parameters.binary_data_size)`);
  }
  return expected === 'BYTES' ? parseImages(shape, value.data, section, what) : parseTensors(shape, value.data, section, signature, what);
}

function parseImages(shape: number[], data: unknown, section: Buffer | undefined, what: string): InferPayload {
  const [count, inner] = shape;
  if (count === undefined || shape.length > 2 || (inner !== undefined && inner !== 1)) {
    throw badRequest(`${what} has shape ${formatShape(shape)}; it must be [N] or [N, 1], one encoded image per element`);
  }
  if (count === 0) throw badRequest(`${what} holds no images (shape ${formatShape(shape)})`);
  let images: Buffer[];
  if (section) {
    images = decodeBytesElements(section, what);
  } else {
    const elements = flatten(data, what, (v): v is string => typeof v === 'string', 'base64 strings');
    images = elements.map((text, i) => {
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) throw badRequest(`${what}: element ${i} is not a base64 string`);
      return Buffer.from(text, 'base64');
    });
  }
  if (images.length !== count) throw badRequest(`${what} has shape ${formatShape(shape)} but holds ${images.length} elements`);
  return { kind: 'images', images };
}

function parseTensors(shape: number[], data: unknown, section: Buffer | undefined, signature: ModelSignature, what: string): InferPayload {
  const expected = signature.inputShape;
  if (expected.some((d) => d < 0)) {
    throw badRequest(`${what}: this model has no fixed input size (${formatShape(expected)}), so it takes images only; send them as "${IMAGE_INPUT}"`);
  }
  const [count] = shape;
  if (count === undefined || count === 0 || shape.length !== expected.length + 1 || expected.some((d, i) => shape[i + 1] !== d)) {
    throw badRequest(`${what} has shape ${formatShape(shape)}; it must be ${formatShape(['N', ...expected])} with N ≥ 1`);
  }
  const values = section
    ? decodeFloat32(section, what)
    : Float32Array.from(flatten(data, what, (v): v is number => typeof v === 'number' && Number.isFinite(v), 'numbers'));
  // JSON cannot carry NaN or ±Inf, but the binary extension can; neither is a pixel value,
  // and the model would turn them into NaN scores that sort arbitrarily.
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw badRequest(`${what}: value ${bad} is ${String(values[bad])}; every FP32 value must be a finite number`);
  const size = expected.reduce((a, b) => a * b, 1);
  if (values.length !== count * size) {
    throw badRequest(`${what} has shape ${formatShape(shape)} (${count * size} values) but holds ${values.length} values`);
  }
  const tensors: ImageTensor[] = [];
  for (let i = 0; i < count; i++) tensors.push({ shape: [...expected], data: values.slice(i * size, (i + 1) * size) });
  return { kind: 'tensors', tensors };
}

/**
 * Flattens `data` given flat or nested (row-major), checking every element. Iterative, so
 * that absurdly deep nesting is a 400 and not a stack overflow.
 */
function flatten<T>(data: unknown, what: string, check: (value: unknown) => value is T, kind: string): T[] {
  if (!Array.isArray(data)) throw badRequest(`${what}: "data" must be an array of ${kind}`);
  const out: T[] = [];
  const stack: { array: unknown[]; index: number }[] = [{ array: data, index: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { array: unknown[]; index: number };
    if (top.index >= top.array.length) {
      stack.pop();
      continue;
    }
    const value = top.array[top.index++];
    if (Array.isArray(value)) {
      if (stack.length >= 64) throw badRequest(`${what}: "data" is nested too deeply`);
      stack.push({ array: value, index: 0 });
    } else if (check(value)) {
      out.push(value);
    } else {
      throw badRequest(`${what}: "data" must hold only ${kind}, found ${JSON.stringify(value) ?? typeof value}`);
    }
  }
  return out;
}

function parseOutputs(value: unknown, parameters: Json, classes: number): OutputRequest {
  const requestBinary = parameters.binary_data_output;
  if (requestBinary !== undefined && typeof requestBinary !== 'boolean') throw badRequest('parameters.binary_data_output must be true or false');
  const output: OutputRequest = { binary: requestBinary === true };
  const requestK = parseClassification(parameters.classification, 'parameters.classification', classes);
  if (requestK !== undefined) output.classification = requestK;
  if (value === undefined) return output;
  if (!Array.isArray(value) || value.length > 1) throw badRequest(`"outputs" must be an array of at most one output ("${SCORES_OUTPUT}")`);
  const first: unknown = value[0];
  if (first === undefined) return output;
  if (!isObject(first) || first.name !== SCORES_OUTPUT) {
    const name = isObject(first) ? JSON.stringify(first.name) : 'outputs[0]';
    throw badRequest(`unknown output ${name}: this model has one output, "${SCORES_OUTPUT}"`);
  }
  const own = optionalObject(first.parameters, `output "${SCORES_OUTPUT}" parameters`);
  const k = parseClassification(own.classification, `output "${SCORES_OUTPUT}" parameters.classification`, classes);
  if (k !== undefined) output.classification = k;
  if (own.binary_data !== undefined) {
    if (typeof own.binary_data !== 'boolean') throw badRequest(`output "${SCORES_OUTPUT}" parameters.binary_data must be true or false`);
    output.binary = own.binary_data;
  }
  return output;
}

/**
 * A top-k count. Asking for more classes than the model has gives all of them: a client
 * that always asks for its usual 5 works with a 3-class model too.
 */
function parseClassification(value: unknown, what: string, classes: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw badRequest(`${what} must be a whole number of classes, 1 or more`);
  }
  return Math.min(value, classes);
}

/** Triton's classification string: "<value>:<index>[:<label>]". */
export function classificationString(prediction: Prediction): string {
  const value = prediction.score.toFixed(6);
  return prediction.label ? `${value}:${prediction.index}:${prediction.label}` : `${value}:${prediction.index}`;
}

export interface InferResult {
  modelName: string;
  modelVersion: string;
  id?: string;
  parameters: Record<string, unknown>;
  /** One row of class scores per input. */
  rows: readonly Float32Array[];
  classes: number;
  /** Top-k of one row, used when classification was asked for. */
  top: (row: Float32Array, k: number) => Prediction[];
}

export interface EncodedResponse {
  body: Buffer;
  headers: Record<string, string>;
}

export function encodeInferResponse(result: InferResult, output: OutputRequest): EncodedResponse {
  const n = result.rows.length;
  let tensor: { datatype: string; shape: number[]; json: () => unknown[]; binary: () => Buffer };
  const k = output.classification;
  if (k !== undefined) {
    const strings = result.rows.flatMap((row) => result.top(row, k).map(classificationString));
    tensor = { datatype: 'BYTES', shape: [n, k], json: () => strings, binary: () => encodeBytesElements(strings) };
  } else {
    const flat = new Float32Array(n * result.classes);
    result.rows.forEach((row, i) => flat.set(row.subarray(0, result.classes), i * result.classes));
    tensor = { datatype: 'FP32', shape: [n, result.classes], json: () => Array.from(flat), binary: () => encodeFloat32(flat) };
  }
  const header = {
    model_name: result.modelName,
    model_version: result.modelVersion,
    ...(result.id !== undefined ? { id: result.id } : {}),
    parameters: result.parameters,
  };
  if (!output.binary) {
    const outputs = [{ name: SCORES_OUTPUT, datatype: tensor.datatype, shape: tensor.shape, data: tensor.json() }];
    return { body: Buffer.from(JSON.stringify({ ...header, outputs })), headers: { 'Content-Type': 'application/json' } };
  }
  const data = tensor.binary();
  const outputs = [{ name: SCORES_OUTPUT, datatype: tensor.datatype, shape: tensor.shape, parameters: { binary_data_size: data.length } }];
  const json = Buffer.from(JSON.stringify({ ...header, outputs }));
  return {
    body: Buffer.concat([json, data]),
    headers: { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(json.length) },
  };
}
