/**
 * An in-memory ONNX graph: just what the converter and the quantizer write and what
 * onnxProto.ts encodes. Nodes are kept in topological order (ONNX requires it), so passes
 * over `nodes` see every producer before its consumers.
 */

export type TensorData = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

export type OnnxAttribute =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'string'; readonly value: string };

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, OnnxAttribute>>;
}

/** A graph input or output: always float32 here; a string dimension is symbolic (the batch). */
export interface OnnxValueInfo {
  readonly name: string;
  /** Undefined when the shape is not declared (the quantizer's calibration outputs). */
  readonly shape?: readonly (number | string)[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxInitializer[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** Version of the default ("ai.onnx") operator set. */
  readonly opset: number;
}

export const OPSET = 17;

export const int = (value: number): OnnxAttribute => ({ type: 'int', value });
export const float = (value: number): OnnxAttribute => ({ type: 'float', value });
export const ints = (value: readonly number[]): OnnxAttribute => ({ type: 'ints', value });
export const string = (value: string): OnnxAttribute => ({ type: 'string', value });

/**
 * Builds a graph node by node, with unique names for the values and initializers it makes
 * (layer names are used as prefixes, so the graph stays readable in tools like Netron).
 */
export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxInitializer[] = [];
  private readonly used = new Set<string>();

  constructor(reserved: Iterable<string> = []) {
    for (const name of reserved) this.used.add(name);
  }

  /** `base`, or `base_2`, `base_3`… when taken. */
  uniqueName(base: string): string {
    let name = base;
    for (let n = 2; this.used.has(name); n++) name = `${base}_${n}`;
    this.used.add(name);
    return name;
  }

  initializer(base: string, dims: readonly number[], data: TensorData): string {
    const count = dims.reduce((product, d) => product * d, 1);
    if (count !== data.length) throw new Error(`initializer ${base}: ${data.length} values for dims [${dims.join(', ')}]`);
    const name = this.uniqueName(base);
    this.initializers.push({ name, dims: [...dims], data });
    return name;
  }

  /** Adds a node with one output and returns that output's name. */
  node(opType: string, inputs: readonly string[], base: string, attributes: Record<string, OnnxAttribute> = {}): string {
    const output = this.uniqueName(base);
    this.nodes.push({ name: output, opType, inputs: [...inputs], outputs: [output], attributes });
    return output;
  }

  /** Adds a node whose outputs are already named (the quantizer keeps the original names). */
  addNode(node: OnnxNode): void {
    for (const output of node.outputs) this.used.add(output);
    this.nodes.push(node);
  }

  addInitializer(initializer: OnnxInitializer): void {
    this.used.add(initializer.name);
    this.initializers.push(initializer);
  }

  /** Gives a value produced by a node a new name everywhere it appears (to name the graph output). */
  rename(from: string, to: string): void {
    this.used.add(to);
    const swap = (names: readonly string[]): string[] => names.map((name) => (name === from ? to : name));
    this.nodes.forEach((node, i) => {
      this.nodes[i] = { ...node, name: node.name === from ? to : node.name, inputs: swap(node.inputs), outputs: swap(node.outputs) };
    });
  }

  build(name: string, inputs: readonly OnnxValueInfo[], outputs: readonly OnnxValueInfo[]): OnnxGraph {
    return { name, nodes: [...this.nodes], initializers: [...this.initializers], inputs, outputs, opset: OPSET };
  }
}
