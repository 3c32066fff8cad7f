/**
 * Whether onnxruntime-node loads in this process. It is a native addon shipped for a few
 * platforms; where it cannot load, `--engine auto` runs every stage on TensorFlow.js and
 * says why, and `--engine onnx` refuses with the reason.
 */
import { createRequire } from 'node:module';

const runtimeRequire = createRequire(__filename);
let problem: string | null | undefined;

/** Why ONNX Runtime cannot run here, or undefined when it can. */
export function onnxRuntimeProblem(): string | undefined {
  if (problem === undefined) {
    try {
      runtimeRequire('onnxruntime-node');
      problem = null;
    } catch (error) {
      problem = `onnxruntime-node does not load (${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)})`;
    }
  }
  return problem ?? undefined;
}

/** The onnxruntime-node version, or undefined where it does not load. */
export function onnxRuntimeVersion(): string | undefined {
  if (onnxRuntimeProblem() !== undefined) return undefined;
  const ort = runtimeRequire('onnxruntime-node') as { env: { versions: { node?: string } } };
  return ort.env.versions.node;
}
