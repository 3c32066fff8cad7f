/**
 * The seam between a pipeline and whatever runs its model stages. A stage engine takes a
 * batch as one flat Float32Array of [N, ...inputShape] and gives [N, ...outputShape] back;
 * nothing above this file sees a tf.Tensor or an ONNX Runtime session.
 *
 * Two engines implement it: ONNX Runtime (the stage compiled to ONNX, fp32 or true int8)
 * and TensorFlow.js (the reference, and the fallback for what the compiler cannot take).
 */
import type { Precision } from '../../pipeline/types';

/** `onnxruntime` runs compiled stages; `tfjs-<backend>` names the TensorFlow.js backend. */
export type EngineName = 'onnxruntime' | 'tfjs-tensorflow' | 'tfjs-wasm' | 'tfjs-cpu';

/** What `--engine` accepts: `auto` is ONNX Runtime wherever a stage compiles and the library loads. */
export type EnginePreference = 'auto' | 'onnx' | 'tfjs';

export const ENGINE_PREFERENCES: readonly EnginePreference[] = ['auto', 'onnx', 'tfjs'];

/** How one stage runs, as every answer and listing reports it. */
export interface StageEngineInfo {
  readonly engine: EngineName;
  readonly precision: Precision;
  /** Why the stage runs where it does when that is not what was asked (a fallback), or how (quantization scheme). */
  readonly note?: string;
}

export interface StageEngine extends StageEngineInfo {
  /** What one item of the batch is, without the batch dimension. */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** Runs one batch of `batchSize` items; `input.length` is batchSize × the input size. */
  run(input: Float32Array, batchSize: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** `featurizer onnxruntime int8, classifier onnxruntime fp32` — or one name when every stage shares it. */
export function describeEngines(stages: readonly { name: string; info: StageEngineInfo }[]): string {
  const engines = new Set(stages.map((stage) => stage.info.engine));
  if (engines.size === 1) return [...engines][0] ?? 'none';
  return stages.map((stage) => `${stage.name} ${stage.info.engine}`).join(', ');
}

/** `featurizer onnxruntime int8 · classifier onnxruntime fp32`: each stage's engine and precision, for people. */
export function describeStageEngines(engines: Readonly<Record<string, { engine: string; precision: string }>>): string {
  return Object.entries(engines)
    .map(([stage, info]) => `${stage} ${info.engine} ${info.precision}`)
    .join(' · ');
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, d) => product * d, 1);
}
