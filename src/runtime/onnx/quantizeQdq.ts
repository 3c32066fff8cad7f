/**
 * Static int8 quantization of an fp32 ONNX graph into QDQ form: QuantizeLinear →
 * DequantizeLinear pairs around the ops onnxruntime has integer kernels for, which its
 * optimizer then fuses (DQ → Conv → Q becomes QLinearConv, and so on). The graph keeps its
 * float input and output.
 *
 * - Weights: per output channel, symmetric int8 (zero point 0); biases int32 at
 *   input scale × weight scale, as onnxruntime's own quantizer writes them — its QDQ
 *   selectors only fuse a Conv or Gemm whose every input comes from a DequantizeLinear.
 * - Activations: asymmetric uint8 (or int8), scale and zero point from the range the fp32
 *   graph produced on the calibration images, widened to hold 0 (zero padding and ReLU's
 *   floor must be exact).
 * - A Relu or a Clip(0, max) right after a quantized op is removed, and the op's output
 *   quantized with the activation's range: the clamp of QuantizeLinear does the ReLU, and
 *   Conv → Q stays fusable.
 * - MaxPool, Reshape, Transpose and Pad only move values: their output takes their input's
 *   scale and zero point (the same initializers), so onnxruntime can drop the Q/DQ around
 *   them and run them on bytes.
 * - A Concat's inputs and output share one scale and zero point, from the union of their
 *   ranges: the concatenation is then a copy of bytes. With a scale per tensor, every
 *   Concat would requantize its inputs, and in DenseNet each block's features pass
 *   through up to 24 Concats (the features' cosine to fp32, generated weights: 0.988 with
 *   a scale per tensor, 0.995 shared).
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder, int } from './onnxGraph';
import type { OnnxGraph, OnnxInitializer, OnnxNode } from './onnxGraph';
import { encodeOnnxModel } from './onnxProto';
import { sessionOptions } from './ortSession';

export interface QuantizationScheme {
  activations: 'uint8' | 'int8';
  weights: 'int8';
  /** 7-bit weights, so that u8×s8 products summed in pairs cannot saturate int16 (see chooseQuantizationScheme). */
  reduceRange: boolean;
  perChannel: true;
  reason: string;
}

/**
 * The scheme for the CPU whose /proc/cpuinfo flags are given (x86 is recognized by sse2,
 * which every x86-64 CPU has). onnxruntime's quantization guide: on x86 with AVX2 or
 * AVX-512 but no VNNI, the u8s8 kernels (vpmaddubsw) add pairs of products in int16 and can
 * saturate, so weights should use 7 bits (reduce_range); VNNI's vpdpbusd accumulates in
 * int32 and ARM's dot products do not have the problem.
 */
export function chooseQuantizationScheme(cpuFlags: readonly string[]): QuantizationScheme {
  const flags = new Set(cpuFlags);
  const base = { activations: 'uint8', weights: 'int8', perChannel: true } as const;
  if (flags.has('avx512_vnni') || flags.has('avx_vnni')) {
    return { ...base, reduceRange: false, reason: 'the CPU has VNNI: its u8×s8 dot product accumulates in int32 and cannot saturate, so weights use the full int8 range' };
  }
  if (!flags.has('sse2')) {
    return { ...base, reduceRange: false, reason: 'not an x86 CPU: its int8 dot products do not saturate, so weights use the full int8 range' };
  }
  return {
    ...base,
    reduceRange: true,
    reason: 'x86 without VNNI: onnxruntime warns that u8s8 products, summed in pairs in int16 by AVX2/AVX-512 (vpmaddubsw), can saturate, so weights use 7 bits (reduce range)',
  };
}

/** Ops with a weight initializer (input 1) quantized per output channel, and optional bias (input 2). */
const WEIGHTED = new Set(['Conv', 'Gemm']);
/** Ops with integer kernels whose inputs and output are quantized (Concat: all with the same parameters). */
const ARITHMETIC = new Set(['Add', 'Mul', 'Concat', 'AveragePool', 'GlobalAveragePool']);
/** Ops that only move or select values: the output shares the input's quantization. */
const VALUE_MOVERS = new Set(['MaxPool', 'Reshape', 'Transpose', 'Pad']);
/** Calibration batch: bounds the memory every exposed activation takes at once. */
const CALIBRATION_BATCH = 8;

interface QuantParams {
  readonly scale: string;
  readonly zeroPoint: string;
}

interface Plan {
  /** Relu/Clip nodes removed; their input's producer now writes the activation's output. */
  readonly removed: ReadonlySet<OnnxNode>;
  /** Producer output → the removed activation's output that replaces it. */
  readonly renamed: ReadonlyMap<string, string>;
  /** Quantized tensor (after renaming) → its group: the tensors that share its parameters, from the union of their ranges. */
  readonly quantized: ReadonlyMap<string, readonly string[]>;
  readonly weighted: ReadonlySet<OnnxNode>;
}

export async function quantizeStatic(
  graph: OnnxGraph,
  calibration: readonly Float32Array[],
  options: { inputShape: readonly number[]; scheme: QuantizationScheme; threads?: number },
): Promise<{ graph: OnnxGraph; calibratedTensors: number }> {
  if (calibration.length === 0) throw new Error('static quantization needs at least one calibration image');
  const plan = planQuantization(graph);
  const calibrated = [...plan.quantized.keys()];
  const ranges = await calibrate(graph, calibrated, calibration, options.inputShape, options.threads ?? 2);
  return { graph: writeQdqGraph(graph, plan, ranges, options.scheme), calibratedTensors: calibrated.length };
}

function planQuantization(graph: OnnxGraph): Plan {
  const initializers = new Map(graph.initializers.map((i) => [i.name, i]));
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const consumers = new Map<string, OnnxNode[]>();
  const producers = new Map<string, OnnxNode>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) consumers.set(input, [...(consumers.get(input) ?? []), node]);
    for (const output of node.outputs) producers.set(output, node);
  }
  const isActivation = (name: string): boolean => !initializers.has(name) && name !== '';
  const weighted = new Set(
    graph.nodes.filter((node) => WEIGHTED.has(node.opType) && initializers.has(node.inputs[1] ?? '') && (node.opType !== 'Gemm' || node.attributes.transB?.value === 1)),
  );
  const arithmetic = (node: OnnxNode): boolean => ARITHMETIC.has(node.opType) && node.inputs.every(isActivation);
  const quantizedOp = (node: OnnxNode): boolean => weighted.has(node) || arithmetic(node);

  const removed = new Set<OnnxNode>();
  const renamed = new Map<string, string>();
  for (const node of graph.nodes) {
    const input = node.inputs[0] ?? '';
    const producer = producers.get(input);
    if (!producer || !quantizedOp(producer) || outputs.has(input) || (consumers.get(input) ?? []).length !== 1) continue;
    if (node.opType === 'Relu' || (node.opType === 'Clip' && clipsAtZero(node, initializers))) {
      removed.add(node);
      renamed.set(input, node.outputs[0] ?? '');
    }
  }
  const rename = (name: string): string => renamed.get(name) ?? name;

  // Quantized tensors, grouped (union-find) with those whose parameters they must share.
  const parent = new Map<string, string>();
  const root = (name: string): string => {
    let r = name;
    while (parent.get(r) !== r) r = parent.get(r) ?? r;
    parent.set(name, r);
    return r;
  };
  const quantize = (name: string): boolean => {
    if (!isActivation(name) || outputs.has(name)) return false;
    if (!parent.has(name)) parent.set(name, name);
    return true;
  };
  const share = (a: string, b: string): void => void parent.set(root(a), root(b));
  for (const node of graph.nodes) {
    if (!quantizedOp(node)) continue;
    const inputs = (weighted.has(node) ? node.inputs.slice(0, 1) : node.inputs).map(rename);
    const output = rename(node.outputs[0] ?? '');
    for (const input of inputs) quantize(input);
    if (quantize(output) && node.opType === 'Concat') for (const input of inputs) if (parent.has(input)) share(input, output);
  }
  for (const node of graph.nodes) {
    const input = node.inputs[0] ?? '';
    const output = node.outputs[0] ?? '';
    if (VALUE_MOVERS.has(node.opType) && parent.has(input) && (node.opType !== 'Pad' || padsWithZeros(node, initializers)) && quantize(output)) share(output, input);
  }
  const groups = new Map<string, string[]>();
  for (const name of parent.keys()) groups.set(root(name), [...(groups.get(root(name)) ?? []), name]);
  const quantized = new Map([...parent.keys()].map((name) => [name, groups.get(root(name)) ?? [name]]));
  return { removed, renamed, quantized, weighted };
}

function scalarOf(initializers: ReadonlyMap<string, OnnxInitializer>, name: string | undefined): number | undefined {
  const data = name === undefined ? undefined : initializers.get(name)?.data;
  return data instanceof Float32Array && data.length === 1 ? data[0] : undefined;
}

function clipsAtZero(node: OnnxNode, initializers: ReadonlyMap<string, OnnxInitializer>): boolean {
  return scalarOf(initializers, node.inputs[1]) === 0;
}

/** Constant-mode Pad with zeros (a byte pad then puts the zero point there, which is exact). */
function padsWithZeros(node: OnnxNode, initializers: ReadonlyMap<string, OnnxInitializer>): boolean {
  const mode = node.attributes.mode;
  const constant = node.inputs[2];
  return (mode === undefined || mode.value === 'constant') && (constant === undefined || constant === '' || scalarOf(initializers, constant) === 0);
}

/** Runs the fp32 graph over the images with `tensors` exposed as outputs: each one's [min, max]. */
async function calibrate(graph: OnnxGraph, tensors: readonly string[], images: readonly Float32Array[], inputShape: readonly number[], threads: number): Promise<Map<string, [number, number]>> {
  const inputName = graph.inputs[0]?.name ?? '';
  // The graph input's range is the images' own (ORT cannot fetch an input as an output).
  const computed = tensors.filter((t) => t !== inputName);
  const exposed: OnnxGraph = { ...graph, outputs: [...graph.outputs, ...computed.filter((t) => !graph.outputs.some((o) => o.name === t)).map((name) => ({ name }))] };
  const session = await ort.InferenceSession.create(encodeOnnxModel(exposed, {}), sessionOptions(threads));
  const ranges = new Map<string, [number, number]>(tensors.map((t) => [t, [Infinity, -Infinity]]));
  const widen = (range: [number, number] | undefined, data: Float32Array): void => {
    if (!range) return;
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (v < range[0]) range[0] = v;
      if (v > range[1]) range[1] = v;
    }
  };
  const size = inputShape.reduce((p, d) => p * d, 1);
  try {
    for (let start = 0; start < images.length; start += CALIBRATION_BATCH) {
      const batch = images.slice(start, start + CALIBRATION_BATCH);
      const input = new Float32Array(batch.length * size);
      batch.forEach((image, i) => {
        if (image.length !== size) throw new Error(`calibration image ${start + i} has ${image.length} values, not the ${size} of [${inputShape.join(', ')}]`);
        input.set(image, i * size);
      });
      widen(ranges.get(inputName), input);
      const feed = new ort.Tensor('float32', input, [batch.length, ...inputShape]);
      const results = await session.run({ [inputName]: feed }, computed);
      for (const name of computed) {
        const result = results[name];
        if (!result) continue;
        widen(ranges.get(name), result.data as Float32Array);
        result.dispose();
      }
      feed.dispose();
    }
  } finally {
    await session.release();
  }
  return ranges;
}

function writeQdqGraph(graph: OnnxGraph, plan: Plan, ranges: ReadonlyMap<string, [number, number]>, scheme: QuantizationScheme): OnnxGraph {
  const builder = new GraphBuilder([...graph.initializers.map((i) => i.name), ...graph.nodes.flatMap((n) => n.outputs), ...graph.inputs.map((i) => i.name)]);
  const initializers = new Map(graph.initializers.map((i) => [i.name, i]));
  const replacedWeights = new Set([...plan.weighted].flatMap((node) => node.inputs.slice(1)));
  for (const initializer of graph.initializers) if (!replacedWeights.has(initializer.name)) builder.addInitializer(initializer);

  const params = new Map<readonly string[], QuantParams & { scaleValue: number }>();
  const paramsOf = (tensor: string): QuantParams & { scaleValue: number } => {
    const group = plan.quantized.get(tensor) ?? [tensor];
    let found = params.get(group);
    if (!found) {
      const low = Math.min(...group.map((name) => ranges.get(name)?.[0] ?? 0));
      const high = Math.max(...group.map((name) => ranges.get(name)?.[1] ?? 0));
      const { scale, zeroPoint } = activationParams(low, high, scheme.activations);
      const name = group[0] ?? tensor;
      found = {
        scale: builder.initializer(`${name}_scale`, [], Float32Array.of(scale)),
        zeroPoint: builder.initializer(`${name}_zero_point`, [], scheme.activations === 'uint8' ? Uint8Array.of(zeroPoint) : Int8Array.of(zeroPoint)),
        scaleValue: scale,
      };
      params.set(group, found);
    }
    return found;
  };
  const quantizedName = new Map<string, string>();
  const emitQuantize = (tensor: string): void => {
    const { scale, zeroPoint } = paramsOf(tensor);
    quantizedName.set(tensor, builder.node('QuantizeLinear', [tensor, scale, zeroPoint], `${tensor}_quantized`));
  };
  const dequantized = (tensor: string): string => {
    const q = quantizedName.get(tensor);
    if (!q) return tensor;
    const { scale, zeroPoint } = paramsOf(tensor);
    return builder.node('DequantizeLinear', [q, scale, zeroPoint], `${tensor}_dequantized`);
  };

  for (const input of graph.inputs) if (plan.quantized.has(input.name)) emitQuantize(input.name);
  for (const node of graph.nodes) {
    if (plan.removed.has(node)) continue;
    const rename = (name: string): string => plan.renamed.get(name) ?? name;
    let inputs = node.inputs.map((input) => dequantized(rename(input)));
    if (plan.weighted.has(node)) inputs = quantizedWeightInputs(builder, node, inputs, initializers, paramsOf(rename(node.inputs[0] ?? '')).scaleValue, scheme);
    const outputs = node.outputs.map(rename);
    builder.addNode({ ...node, inputs, outputs });
    for (const output of outputs) if (plan.quantized.has(output)) emitQuantize(output);
  }
  const built = builder.build(graph.name, graph.inputs, graph.outputs);
  // The removed activations' Clip bounds are read by nothing now.
  const read = new Set(built.nodes.flatMap((node) => node.inputs));
  return { ...built, initializers: built.initializers.filter((i) => read.has(i.name)) };
}

/** [x, W, B] → [x, DQ(int8 W), DQ(int32 B)], per output channel (axis 0). */
function quantizedWeightInputs(builder: GraphBuilder, node: OnnxNode, inputs: string[], initializers: ReadonlyMap<string, OnnxInitializer>, inputScale: number, scheme: QuantizationScheme): string[] {
  const weight = initializers.get(node.inputs[1] ?? '');
  if (!weight || !(weight.data instanceof Float32Array)) throw new Error(`${node.name}: the weight is not a float initializer`);
  const channels = weight.dims[0] ?? 1;
  const { values, scales } = quantizeWeights(weight.data, channels, scheme.reduceRange ? 63 : 127);
  const channelDims = [channels];
  const axis = { axis: int(0) };
  const w = builder.initializer(`${weight.name}_int8`, weight.dims, values);
  const wScale = builder.initializer(`${weight.name}_scale`, channelDims, scales);
  const wZero = builder.initializer(`${weight.name}_zero_point`, channelDims, new Int8Array(channels));
  const result = [inputs[0] ?? '', builder.node('DequantizeLinear', [w, wScale, wZero], `${weight.name}_dequantized`, axis)];
  const bias = initializers.get(node.inputs[2] ?? '');
  if (bias && bias.data instanceof Float32Array) {
    const biasScales = scales.map((s) => Math.fround(s * inputScale));
    const q = Int32Array.from(bias.data, (b, c) => Math.max(-2147483647, Math.min(2147483647, Math.round(b / (biasScales[c] as number)))));
    const b = builder.initializer(`${bias.name}_int32`, bias.dims, q);
    const bScale = builder.initializer(`${bias.name}_scale`, channelDims, biasScales);
    result.push(builder.node('DequantizeLinear', [b, bScale], `${bias.name}_dequantized`, axis));
  }
  return result;
}

/** Symmetric per-channel quantization of [channels, ...] weights to ±qmax. */
function quantizeWeights(data: Float32Array, channels: number, qmax: number): { values: Int8Array; scales: Float32Array } {
  const perChannel = data.length / channels;
  const values = new Int8Array(data.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let largest = 0;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) largest = Math.max(largest, Math.abs(data[i] as number));
    // An all-zero channel still needs a positive scale; its values are 0 whatever it is.
    const scale = largest > 0 ? Math.fround(largest / qmax) : 1;
    scales[c] = scale;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) values[i] = Math.max(-qmax, Math.min(qmax, Math.round((data[i] as number) / scale)));
  }
  return { values, scales };
}

/** Asymmetric parameters for [low, high] widened to hold 0, so that 0 is exactly representable. */
function activationParams(low: number, high: number, type: 'uint8' | 'int8'): { scale: number; zeroPoint: number } {
  const qmin = type === 'uint8' ? 0 : -128;
  const qmax = type === 'uint8' ? 255 : 127;
  const rmin = Math.min(0, Number.isFinite(low) ? low : 0);
  const rmax = Math.max(0, Number.isFinite(high) ? high : 0);
  // A tensor that was 0 on every calibration image: any positive scale represents it.
  const scale = rmax > rmin ? Math.fround((rmax - rmin) / (qmax - qmin)) : 1;
  const zeroPoint = Math.max(qmin, Math.min(qmax, Math.round(qmin - rmin / scale)));
  return { scale, zeroPoint };
}
