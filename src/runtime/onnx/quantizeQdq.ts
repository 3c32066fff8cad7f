import type { OnnxGraph } from './onnxGraph';
export interface QuantizationScheme { activations: 'uint8' | 'int8'; weights: 'int8'; reduceRange: boolean; perChannel: true; reason: string }
export function chooseQuantizationScheme(_cpuFlags: readonly string[]): QuantizationScheme { throw new Error('todo'); }
export function quantizeStatic(_graph: OnnxGraph, _calibration: readonly Float32Array[], _options: { inputShape: readonly number[]; scheme: QuantizationScheme; threads?: number }): Promise<{ graph: OnnxGraph; calibratedTensors: number }> { throw new Error('todo'); }
