/**
 * OnnxGraph → ONNX ModelProto bytes, with a small protobuf writer written for it: the
 * handful of messages a model needs do not justify a protobuf dependency and a generated
 * schema. Field numbers and enum values are those of onnx/onnx.proto.
 *
 * Large weights are never copied while messages nest: a message is a list of byte chunks
 * plus its length, and a nested message is its tag and length in front of the same chunks.
 * The chunks are copied once, into the final buffer (VGG-16's 550 MB of weights then
 * need 550 MB, not a copy per nesting level).
 */
import type { OnnxAttribute, OnnxGraph, OnnxInitializer, OnnxNode, OnnxValueInfo, TensorData } from './onnxGraph';

const IR_VERSION = 8;
const PRODUCER = 'fpga-model-services';

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_BYTES = 2;

/** TensorProto.DataType */
const DATA_TYPE = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7 } as const;
/** AttributeProto.AttributeType */
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, ints: 7 } as const;

const utf8 = new TextEncoder();

class Message {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private tag(field: number, wire: number): void {
    this.push(varint(BigInt((field << 3) | wire)));
  }

  /** int32/int64/enum fields; negative values take ten bytes, as protobuf encodes them. */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.push(varint(BigInt.asUintN(64, BigInt(value))));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.push(varint(BigInt(value.length)));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, value: Message): this {
    this.tag(field, WIRE_BYTES);
    this.push(varint(BigInt(value.length)));
    for (const chunk of value.chunks) this.push(chunk);
    return this;
  }

  /** A packed repeated int64 field. */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new Message();
    for (const value of values) inner.push(varint(BigInt.asUintN(64, BigInt(value))));
    return this.message(field, inner);
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

function varint(value: bigint): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest > 0n ? low | 0x80 : low);
  } while (rest > 0n);
  return Uint8Array.from(bytes);
}

/** Encodes `graph` as a complete model; `metadata` becomes ModelProto.metadata_props. */
export function encodeOnnxModel(graph: OnnxGraph, metadata: Readonly<Record<string, string>>): Uint8Array {
  const model = new Message().int(1, IR_VERSION).string(2, PRODUCER);
  model.message(7, encodeGraph(graph));
  model.message(8, new Message().string(1, '').int(2, graph.opset));
  for (const [key, value] of Object.entries(metadata)) model.message(14, new Message().string(1, key).string(2, value));
  return model.toBytes();
}

function encodeGraph(graph: OnnxGraph): Message {
  const message = new Message();
  for (const node of graph.nodes) message.message(1, encodeNode(node));
  message.string(2, graph.name);
  for (const initializer of graph.initializers) message.message(5, encodeTensor(initializer));
  for (const input of graph.inputs) message.message(11, encodeValueInfo(input));
  for (const output of graph.outputs) message.message(12, encodeValueInfo(output));
  return message;
}

function encodeNode(node: OnnxNode): Message {
  const message = new Message();
  for (const input of node.inputs) message.string(1, input);
  for (const output of node.outputs) message.string(2, output);
  message.string(3, node.name).string(4, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes)) message.message(5, encodeAttribute(name, attribute));
  return message;
}

function encodeAttribute(name: string, attribute: OnnxAttribute): Message {
  const message = new Message().string(1, name).int(20, ATTRIBUTE_TYPE[attribute.type]);
  switch (attribute.type) {
    case 'float':
      return message.float(2, attribute.value);
    case 'int':
      return message.int(3, attribute.value);
    case 'string':
      return message.string(4, attribute.value);
    case 'ints':
      // AttributeProto.ints is declared without [packed=true] (proto2), so one field per value.
      for (const value of attribute.value) message.int(8, value);
      return message;
  }
}

function encodeTensor(tensor: OnnxInitializer): Message {
  // raw_data is little-endian by the ONNX spec; typed arrays are little-endian on every
  // platform this extension ships for (x64, arm64).
  const raw = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  return new Message().packedInts(1, tensor.dims).int(2, dataTypeOf(tensor.data)).string(8, tensor.name).bytes(9, raw);
}

function dataTypeOf(data: TensorData): number {
  if (data instanceof Float32Array) return DATA_TYPE.float32;
  if (data instanceof Uint8Array) return DATA_TYPE.uint8;
  if (data instanceof Int8Array) return DATA_TYPE.int8;
  if (data instanceof Int32Array) return DATA_TYPE.int32;
  return DATA_TYPE.int64;
}

function encodeValueInfo(value: OnnxValueInfo): Message {
  const tensorType = new Message().int(1, DATA_TYPE.float32);
  if (value.shape) {
    const shape = new Message();
    for (const dim of value.shape) shape.message(1, typeof dim === 'number' ? new Message().int(1, dim) : new Message().string(2, dim));
    tensorType.message(2, shape);
  }
  return new Message().string(1, value.name).message(2, new Message().message(1, tensorType));
}
