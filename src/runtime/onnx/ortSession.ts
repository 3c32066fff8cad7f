/**
 * onnxruntime-node sessions configured the one way this project runs them: every graph
 * optimization on (that is what fuses QDQ groups into integer kernels), a fixed number of
 * intra-op threads and no inter-op parallelism (these graphs are chains; a second pool would
 * only compete for the same cores).
 */
import * as ort from 'onnxruntime-node';

export function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // Idle intra-op threads sleep instead of spinning: between two batches a service decodes
    // and pre-processes the next images on the same cores, and spinning threads would take
    // them from it (measured: decode twice as slow in the host with spinning on).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

export function createSession(bytes: Uint8Array, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, sessionOptions(threads));
}

/** Runs the session's single input → its first output, as float32. */
export async function runSession(session: ort.InferenceSession, input: Float32Array, shape: number[]): Promise<Float32Array> {
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  if (inputName === undefined || outputName === undefined) throw new Error('the ONNX session has no input or no output');
  const tensor = new ort.Tensor('float32', input, shape);
  const results = await session.run({ [inputName]: tensor });
  const output = results[outputName];
  try {
    if (!output || output.type !== 'float32') throw new Error(`the ONNX session's output "${outputName}" is not float32`);
    return output.data as Float32Array;
  } finally {
    tensor.dispose();
  }
}
