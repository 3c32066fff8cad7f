/**
 * The contents of `model_def.zip`: `service_def.json` in the original Azure ML shape
 * (`aml_runtime_version` + `pipeline`, original stage fields such as `model_ref`) with this
 * project's extra fields beside them, and `manifest.json` listing every other entry.
 */
import type { ChannelOrder, Interpolation, Precision, Resize } from './types';

export const AML_RUNTIME_VERSION = '1.1';
export const SERVICE_DEF_ENTRY = 'service_def.json';
export const MANIFEST_ENTRY = 'manifest.json';
export const MANIFEST_FORMAT = 1;

export interface PreprocessServiceStage {
  type: 'preprocess';
  name: string;
  resize?: Resize;
  interpolation: Interpolation;
  center_crop?: [number, number];
  channel_order: ChannelOrder;
  mean: [number, number, number];
  std: [number, number, number];
  scale: number;
}

/** The original accelerated stage: no weights in the zip, the service supplies them. */
export interface BrainwaveServiceStage {
  type: 'brainwave';
  name: string;
  model_ref: string;
  model_version: string;
  output_tensor_dims: number[];
  input_tensor_dims: number[];
  precision: Precision;
}

export interface TensorflowServiceStage {
  type: 'tensorflow';
  name: string;
  /** Path of `model.json` inside the zip; its weight files sit beside it. */
  model_path: string;
  input_tensor: string;
  output_tensor: string;
  input_shape: number[];
  output_shape: number[];
}

export type ClassifierServiceStage =
  | { type: 'classifier'; name: string; model: 'default'; input_tensor_dims: number[]; classes: number }
  | {
      type: 'classifier';
      name: string;
      model_path: string;
      input_tensor: string;
      output_tensor: string;
      input_shape: number[];
      classes: number;
    };

export type ServiceStage =
  | PreprocessServiceStage
  | BrainwaveServiceStage
  | TensorflowServiceStage
  | ClassifierServiceStage;

/** Labels come from the service's model store (`store`) or from a file inside the zip (`path`). */
export type ServiceLabels = { store: string } | { path: string };

export interface ServiceDef {
  aml_runtime_version: string;
  name: string;
  pipeline: ServiceStage[];
  labels: ServiceLabels;
  top_k: number;
}

export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

/** Every entry of the zip except `manifest.json` itself, sorted by path. */
export interface Manifest {
  format: number;
  entries: ManifestEntry[];
}
