/** Shared pieces of the service host tests: real models and images, HTTP calls, hand-made bad images. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { packagePipeline } from '../../../src/pipeline/packager';
import type { LoadedPipeline, Prediction } from '../../../src/runtime/types';
import type { ServiceKeys } from '../../../src/service/keys';
import type { ServiceJson } from '../../../src/service/managementRoutes';
import { mobilenetPipeline, pngChunk, REPO_ROOT, EXAMPLES, tempDir, writeJson } from './fixtures';

export const SHARED = join(REPO_ROOT, '..', 'shared');
export const MODEL_STORE = join(SHARED, 'models');
export const IMAGES_DIR = join(SHARED, 'images');
export const IMAGE_NAMES = ['bird.bmp', 'cat.bmp', 'cat_720p.jpg', 'grace_hopper.bmp', 'hot_dog.jpg', 'parrot.jpg'] as const;
export const HOTDOG_INDEX = 934;

export function image(name: string): Buffer {
  return readFileSync(join(IMAGES_DIR, name));
}

/** The MobileNet 0.75 example, packaged as a user would. */
export async function exampleZip(): Promise<Buffer> {
  return (await packagePipeline(join(EXAMPLES, 'mobilenet.pipeline.json'))).zip;
}

/** The example with another featurizer (e.g. one whose weights the store lacks). */
export async function featurizerZip(featurizer: string, name: string): Promise<Buffer> {
  const pipeline = mobilenetPipeline();
  pipeline.name = name;
  (pipeline.stages as Record<string, unknown>[])[1]!.model = featurizer;
  const path = writeJson(join(tempDir('fpga-service-'), `${name}.pipeline.json`), pipeline);
  return (await packagePipeline(path)).zip;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
}

export interface CallOptions {
  method?: string;
  token?: string;
  body?: Uint8Array | string;
  headers?: Record<string, string>;
}

export async function call(url: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url, { method: options.method ?? (options.body === undefined ? 'GET' : 'POST'), headers, body: options.body });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body, text: body.toString('utf8') };
}

export function json<T>(reply: Reply): T {
  return JSON.parse(reply.text) as T;
}

/** The `error` text of an error reply, after checking it is exactly {"error": string}. */
export function errorOf(reply: Reply): string {
  const value = json<Record<string, unknown>>(reply);
  if (typeof value.error !== 'string') throw new Error(`not an error body: ${reply.text}`);
  return value.error;
}

// The shapes the host answers with, as its own code declares them.
export type ServiceView = ServiceJson;
export type Keys = ServiceKeys;
export type PredictionView = Prediction;


export interface ClassifyView {
  predictions: PredictionView[];
  timings_ms: Record<string, number>;
  backend: string;
  precision: string;
  synthetic: boolean;
}

/** The management API of one host, as its tests use it. */
export class Admin {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  get(path: string): Promise<Reply> {
    return call(this.url + path, { token: this.token });
  }

  post(path: string, body: Uint8Array | string | object, contentType = 'application/json'): Promise<Reply> {
    const payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    return call(this.url + path, { method: 'POST', token: this.token, body: payload, headers: { 'content-type': contentType } });
  }

  delete(path: string): Promise<Reply> {
    return call(this.url + path, { method: 'DELETE', token: this.token });
  }

  async registerModel(zip: Uint8Array, name?: string): Promise<{ id: string }> {
    const reply = await this.post(`/admin/models${name ? `?name=${name}` : ''}`, zip, 'application/zip');
    if (reply.status !== 201 && reply.status !== 200) throw new Error(`register: ${reply.status} ${reply.text}`);
    return json(reply);
  }

  async deploy(name: string, model: string, extra: Record<string, unknown> = {}): Promise<ServiceView> {
    const reply = await this.post('/admin/services', { name, model, ...extra });
    if (reply.status !== 202) throw new Error(`deploy: ${reply.status} ${reply.text}`);
    return json(reply);
  }

  async service(name: string): Promise<ServiceView> {
    return json(await this.get(`/admin/services/${name}`));
  }

  async keys(name: string): Promise<Keys> {
    return json(await this.get(`/admin/services/${name}/keys`));
  }

  /** Registers nothing: deploys a registered model, waits until it is Healthy and returns its keys. */
  async deployHealthy(name: string, model: string): Promise<Keys> {
    await this.deploy(name, model);
    const service = await this.settled(name);
    if (service.state !== 'Healthy') throw new Error(`service ${name} is ${service.state}: ${service.error ?? ''}`);
    return this.keys(name);
  }

  /** Polls until the service leaves Transitioning. */
  async settled(name: string, timeoutMs = 30_000): Promise<ServiceView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const service = await this.service(name);
      if (service.state !== 'Transitioning') return service;
      if (Date.now() > deadline) throw new Error(`service ${name} still Transitioning after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** A loaded pipeline with some of its methods replaced (to count or hold calls); the rest stay its own. */
export function withOverrides(pipeline: LoadedPipeline, overrides: Partial<Pick<LoadedPipeline, 'prepare' | 'score'>>): LoadedPipeline {
  return Object.assign(Object.create(pipeline) as LoadedPipeline, overrides);
}

export function classify(url: string, service: string, key: string, bytes: Uint8Array, query = ''): Promise<Reply> {
  return call(`${url}/v2/models/${service}/classify${query}`, { method: 'POST', token: key, body: bytes, headers: { 'content-type': 'application/octet-stream' } });
}

/** A small, valid-looking PNG whose IHDR claims width × height (a decompression bomb's header). */
export function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(64))), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A binary-extension body: JSON header, then the sections. */
export function binaryBody(header: object, sections: Buffer[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...sections]), headerLength: json.length };
}

/** BYTES elements, each with its 4-byte little-endian length. */
export function bytesElements(elements: Buffer[]): Buffer {
  return Buffer.concat(
    elements.flatMap((element) => {
      const length = Buffer.alloc(4);
      length.writeUInt32LE(element.length);
      return [length, element];
    }),
  );
}

export function splitBinaryReply(reply: Reply): { header: Record<string, unknown>; binary: Buffer } {
  const length = Number(reply.headers.get('inference-header-content-length'));
  return { header: JSON.parse(reply.body.subarray(0, length).toString('utf8')) as Record<string, unknown>, binary: reply.body.subarray(length) };
}

/** A zip of `count` entries of 1 MiB of zeros, ~1 KiB each compressed: the shape that froze the host. */
export function manyEntryBomb(count: number): Buffer {
  const data = deflateRawSync(Buffer.alloc(1024 * 1024), { level: 9 });
  const crc = crc32(Buffer.alloc(1024 * 1024));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const name = Buffer.from(`zeros/${i}.bin`);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(1024 * 1024, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(1024 * 1024, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
