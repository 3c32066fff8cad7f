/** Messages between a service host and the worker thread that runs one pipeline's model stages. */
import type { Precision } from '../../pipeline/types';
import type { StageEngineInfo } from '../engines/stageEngine';
import type { LoadPipelineOptions } from '../loadPipeline';
import type { Timings } from '../types';

export type ToWorker =
  | { kind: 'load'; zip: Uint8Array; options: LoadPipelineOptions }
  | { kind: 'score'; id: number; input: Float32Array; batchSize: number }
  | { kind: 'dispose' };

/** What the host needs to know of the loaded pipeline (LoadedPipeline's data). */
export interface PipelineFacts {
  name: string;
  backend: string;
  engines: Record<string, StageEngineInfo>;
  precision: Precision;
  synthetic: boolean;
  inputShape: number[];
  labels: string[];
  topK: number;
}

export type FromWorker =
  | { kind: 'loaded'; facts: PipelineFacts }
  /** `userError`: the message is for the user as it is (a UserError in the worker). */
  | { kind: 'loadFailed'; message: string; userError: boolean }
  | { kind: 'scored'; id: number; scores: Float32Array; timings: Timings }
  | { kind: 'scoreFailed'; id: number; message: string; userError: boolean }
  | { kind: 'disposed' };
