/**
 * What every stage loader needs to know about where and how stages run: the engine asked
 * for, ONNX Runtime's threads, where compiled models and calibration images are, and the
 * TensorFlow.js backend (started only when a stage needs it).
 */
import type { Precision } from '../../pipeline/types';
import type { BackendPreference } from '../backend';
import type { EnginePreference } from '../engines/stageEngine';
import type { BackendName } from '../types';

export interface StageContext {
  readonly modelStore: string;
  readonly engine: EnginePreference;
  /** Intra-op threads of every ONNX Runtime session of this pipeline. */
  readonly threads: number;
  /** Folder of compiled models (compiledCache.ts). */
  readonly cacheFolder: string;
  /** Calibration images for int8, or undefined for the generated default (calibration.ts). */
  readonly calibrationFolder: string | undefined;
  /** Overrides every accelerated stage's precision (fpga verify, bench). */
  readonly precision: Precision | undefined;
  readonly syntheticWeights: boolean;
  readonly seed: number | undefined;
  readonly backendPreference: BackendPreference;
  /** Starts the TensorFlow.js backend once and names it. */
  tfjsBackend(): Promise<BackendName>;
}
