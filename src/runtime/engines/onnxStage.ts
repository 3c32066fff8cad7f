/**
 * A stage on ONNX Runtime's CPU execution provider: the stage compiled to ONNX (fp32, or
 * QDQ int8 that ONNX Runtime fuses into integer kernels). `run` blocks the calling thread
 * for the whole inference (onnxruntime-node's run is synchronous under its Promise), which
 * is why the host runs pipelines in worker threads.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { Precision } from '../../pipeline/types';
import { createSession, runSession } from '../onnx';
import type { StageEngine } from './stageEngine';

export interface OnnxStageOptions {
  readonly bytes: Uint8Array;
  readonly precision: Precision;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** Intra-op threads of this session. */
  readonly threads: number;
  readonly note?: string;
}

export async function onnxStage(options: OnnxStageOptions): Promise<StageEngine> {
  const session: InferenceSession = await createSession(options.bytes, options.threads);
  let disposed = false;
  return {
    engine: 'onnxruntime',
    precision: options.precision,
    inputShape: options.inputShape,
    outputShape: options.outputShape,
    ...(options.note !== undefined ? { note: options.note } : {}),
    run: (input, batchSize) => runSession(session, input, [batchSize, ...options.inputShape]),
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}
