/**
 * One contract for every place a pipeline can be deployed: the Local workspace (the service
 * host on this machine) and Azure Machine Learning workspaces. The CLI and the extension's
 * tree, pickers and panels talk only to this; each implementation maps its own API onto
 * these types, and its failures onto `WorkspaceError`.
 */

export type WorkspaceKind = 'local' | 'azure';

export type ServiceState = 'Transitioning' | 'Healthy' | 'Failed' | 'Deleting';

export type KeyName = 'primary' | 'secondary';

export interface ServiceKeys {
  primary: string;
  secondary: string;
}

export interface ModelStage {
  name: string;
  type: string;
  model_ref?: string;
}

export interface ModelInfo {
  /** `<name>:<version>` */
  id: string;
  name: string;
  version: number;
  created: string;
  /** SHA-256 of the model_def.zip, when the workspace knows it. */
  sha256: string | null;
  /** Bytes of the model_def.zip, when the workspace knows it. */
  size: number | null;
  /** The pipeline's stages as registered; empty when the workspace does not record them. */
  stages: ModelStage[];
}

/** How one model stage runs, as a service reports it. */
export interface StageEngineSummary {
  engine: string;
  precision: string;
  note?: string;
}

export interface ServiceInfo {
  name: string;
  /** Id of the model it runs (`<name>:<version>`). */
  model: string;
  state: ServiceState;
  /** The OIP infer route a client posts to. */
  scoring_uri: string;
  /** Why the service failed or is unavailable, in the platform's words. */
  error: string | null;
  created: string;
  /** Where the model stages run, in one phrase (e.g. "onnxruntime"); null until known. */
  backend: string | null;
  engines?: Record<string, StageEngineSummary> | null;
  precision: string | null;
  synthetic: boolean | null;
  input_shape: number[] | null;
  classes: number | null;
  /** Batching of the local host; null where the platform batches on its own terms. */
  max_batch_size: number | null;
  max_delay_ms: number | null;
}

export interface Prediction {
  index: number;
  label: string;
  score: number;
}

export interface Classification {
  predictions: Prediction[];
  /** Milliseconds per step the service reports (decode, preprocess, featurizer, classifier, queue, total). */
  timings_ms: Record<string, number>;
  backend: string | null;
  engines?: Record<string, StageEngineSummary>;
  precision?: string;
  synthetic?: boolean;
}

/** What every call may take: a signal that cancels it (and any polling it does). */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface ClassifyOptions extends CallOptions {
  /** How many classes to return; the service's own default (5) when left out. */
  top?: number;
}

export interface DeployOptions extends CallOptions {
  /** Local host batching. */
  maxBatchSize?: number;
  maxDelayMs?: number;
  /** Azure: the container image that serves the model (`fpga serve --model`). */
  image?: string;
  /** Azure: the VM size of the deployment's instances. */
  instanceType?: string;
  instanceCount?: number;
  /** Called with one line per step of a long-running deploy. */
  onProgress?: (message: string) => void;
}

export interface LogOptions extends CallOptions {
  /** The last N lines only. */
  tail?: number;
}

export interface Workspace {
  /** Stable and unique among all workspaces: `local`, or an Azure resource id. */
  readonly id: string;
  readonly kind: WorkspaceKind;
  /** What people see, e.g. "Local (this machine)" or the Azure workspace's name. */
  readonly label: string;
  listModels(options?: CallOptions): Promise<ModelInfo[]>;
  /** Registers a verified model_def.zip; the same bytes registered twice give the same model. */
  registerModel(zip: Uint8Array, name?: string, options?: CallOptions): Promise<ModelInfo>;
  deleteModel(id: string, options?: CallOptions): Promise<void>;
  listServices(options?: CallOptions): Promise<ServiceInfo[]>;
  getService(name: string, options?: CallOptions): Promise<ServiceInfo>;
  /** Starts deploying; the service is Transitioning until it turns Healthy or Failed. */
  deployService(name: string, modelId: string, options?: DeployOptions): Promise<ServiceInfo>;
  deleteService(name: string, options?: CallOptions): Promise<void>;
  getKeys(name: string, options?: CallOptions): Promise<ServiceKeys>;
  regenerateKey(name: string, which: KeyName, options?: CallOptions): Promise<ServiceKeys>;
  /** One OIP infer request to the service's scoring URI with a cached key. */
  classify(service: string, image: Uint8Array, options?: ClassifyOptions): Promise<Classification>;
  /** The service's log lines (the platform's container log, or the local host's lines about it). */
  serviceLogs(name: string, options?: LogOptions): Promise<string>;
}

export const SERVICE_STATES: readonly ServiceState[] = ['Transitioning', 'Healthy', 'Failed', 'Deleting'];
