/**
 * The byte layout of the binary tensor data extension (Triton, KServe): a JSON header of
 * `Inference-Header-Content-Length` bytes, then each binary tensor's bytes back to back in
 * the order of the header's inputs (or outputs), each `parameters.binary_data_size` long.
 * Numbers are little-endian; a BYTES element is a 4-byte little-endian length and its bytes.
 */
import { endianness } from 'node:os';
import { badRequest } from './httpError';

export const HEADER_LENGTH_HEADER = 'inference-header-content-length';

const LITTLE_ENDIAN = endianness() === 'LE';

/** Splits a request body into its JSON header and the binary part after it. */
export function splitBinaryBody(body: Buffer, headerLength: string): { json: Buffer; binary: Buffer } {
  const length = Number(headerLength);
  if (!/^\d+$/.test(headerLength.trim()) || length > body.length) {
    throw badRequest(`Inference-Header-Content-Length ${JSON.stringify(headerLength)} must be a whole number of bytes no larger than the body (${body.length} bytes)`);
  }
  return { json: body.subarray(0, length), binary: body.subarray(length) };
}

/** Hands out the binary part's consecutive sections, one per binary input. */
export class BinarySections {
  private offset = 0;
  constructor(private readonly binary: Buffer) {}

  take(size: number, what: string): Buffer {
    if (this.offset + size > this.binary.length) {
      throw badRequest(`${what}: binary_data_size ${size} runs past the end of the body (${this.binary.length - this.offset} bytes left after the JSON header)`);
    }
    const section = this.binary.subarray(this.offset, this.offset + size);
    this.offset += size;
    return section;
  }

  /** Every byte must belong to some input: leftovers mean the header and body disagree. */
  finish(): void {
    const left = this.binary.length - this.offset;
    if (left !== 0) throw badRequest(`${left} bytes follow the binary inputs the JSON header declares; check binary_data_size and Inference-Header-Content-Length`);
  }
}

/** BYTES elements: each a 4-byte little-endian length, then that many bytes. */
export function decodeBytesElements(section: Buffer, what: string): Buffer[] {
  const elements: Buffer[] = [];
  let offset = 0;
  while (offset < section.length) {
    if (offset + 4 > section.length) throw badRequest(`${what}: a BYTES element's 4-byte length is cut off at byte ${offset}`);
    const length = section.readUInt32LE(offset);
    offset += 4;
    if (offset + length > section.length) {
      throw badRequest(`${what}: BYTES element ${elements.length} declares ${length} bytes but only ${section.length - offset} remain`);
    }
    elements.push(section.subarray(offset, offset + length));
    offset += length;
  }
  return elements;
}

export function encodeBytesElements(elements: readonly (string | Uint8Array)[]): Buffer {
  const parts: Buffer[] = [];
  for (const element of elements) {
    const bytes = typeof element === 'string' ? Buffer.from(element, 'utf8') : Buffer.from(element);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length, 0);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

/** Little-endian float32 bytes to an (aligned, owned) Float32Array. */
export function decodeFloat32(section: Buffer, what: string): Float32Array {
  if (section.length % 4 !== 0) throw badRequest(`${what}: ${section.length} bytes is not a whole number of FP32 values`);
  const values = new Float32Array(section.length / 4);
  if (LITTLE_ENDIAN) {
    new Uint8Array(values.buffer).set(section);
  } else {
    for (let i = 0; i < values.length; i++) values[i] = section.readFloatLE(i * 4);
  }
  return values;
}

export function encodeFloat32(values: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes;
}
