/**
 * One interface for every place a pipeline can be deployed: the Local workspace (the service
 * host on this machine) and, later, Azure Machine Learning workspaces. The CLI and the
 * extension's tree and commands talk only to this.
 */
import type { Prediction, Timings } from '../runtime/types';

export type ServiceState = 'Transitioning' | 'Healthy' | 'Failed' | 'Deleting';

export interface ModelInfo {
  /** `<name>:<version>`. */
  id: string;
  name: string;
  version: number;
  sha256: string;
  size: number;
  created: string;
  stages: { name: string; type: string; model_ref?: string }[];
}

export interface ServiceInfo {
  name: string;
  /** Model id the service runs. */
  model: string;
  state: ServiceState;
  scoring_uri: string;
  error: string | null;
  created: string;
  backend: string | null;
  precision: string | null;
  synthetic: boolean | null;
}

export interface ServiceKeys {
  primary: string;
  secondary: string;
}

export interface Classification {
  predictions: Prediction[];
  timings_ms: Timings;
  backend: string;
  precision?: string;
  synthetic?: boolean;
}

export interface DeployOptions {
  maxBatchSize?: number;
  maxDelayMs?: number;
}

export interface Workspace {
  readonly label: string;
  listModels(): Promise<ModelInfo[]>;
  /** Registers a verified model_def.zip; the same bytes registered twice give the same model. */
  registerModel(zip: Uint8Array, name?: string): Promise<ModelInfo>;
  deleteModel(id: string): Promise<void>;
  listServices(): Promise<ServiceInfo[]>;
  getService(name: string): Promise<ServiceInfo>;
  /** Starts deploying; the service is Transitioning until it turns Healthy or Failed. */
  deployService(name: string, modelId: string, options?: DeployOptions): Promise<ServiceInfo>;
  deleteService(name: string): Promise<void>;
  getKeys(name: string): Promise<ServiceKeys>;
  regenerateKey(name: string, which: keyof ServiceKeys): Promise<ServiceKeys>;
  classify(service: string, image: Uint8Array, top?: number): Promise<Classification>;
}
