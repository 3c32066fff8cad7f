/**
 * One interface for every place a pipeline can be deployed: the Local workspace (the service
 * host on this machine) and, later, Azure Machine Learning workspaces. The CLI and the
 * extension's tree and commands talk only to this.
 */
import type { ModelRecord } from '../service/stateStore';
import type { ServiceJson } from '../service/managementRoutes';
import type { ServiceKeys } from '../service/keys';
import type { StageEngineInfo } from '../runtime/engines/stageEngine';
import type { Prediction, Timings } from '../runtime/types';

/** The shapes the local host's management API answers with; other workspaces map to them. */
export type { ModelRecord as ModelInfo } from '../service/stateStore';
export type { ServiceJson as ServiceInfo } from '../service/managementRoutes';
export type { ServiceState } from '../service/deployedService';
export type { ServiceKeys } from '../service/keys';

export interface Classification {
  predictions: Prediction[];
  timings_ms: Timings;
  backend: string;
  /** Each model stage's engine and precision (hosts before 0.2 leave it out). */
  engines?: Record<string, StageEngineInfo>;
  precision?: string;
  synthetic?: boolean;
}

export interface DeployOptions {
  maxBatchSize?: number;
  maxDelayMs?: number;
}

export interface Workspace {
  readonly label: string;
  listModels(): Promise<ModelRecord[]>;
  /** Registers a verified model_def.zip; the same bytes registered twice give the same model. */
  registerModel(zip: Uint8Array, name?: string): Promise<ModelRecord>;
  deleteModel(id: string): Promise<void>;
  listServices(): Promise<ServiceJson[]>;
  getService(name: string): Promise<ServiceJson>;
  /** Starts deploying; the service is Transitioning until it turns Healthy or Failed. */
  deployService(name: string, modelId: string, options?: DeployOptions): Promise<ServiceJson>;
  deleteService(name: string): Promise<void>;
  getKeys(name: string): Promise<ServiceKeys>;
  regenerateKey(name: string, which: keyof ServiceKeys): Promise<ServiceKeys>;
  classify(service: string, image: Uint8Array, top?: number): Promise<Classification>;
}
