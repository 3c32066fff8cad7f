/**
 * An Azure Machine Learning workspace as a Workspace: models in its registry, services as
 * managed online endpoints, classification over the endpoint's scoring URI with its key.
 */
import { ScoringTargets } from '../oipClassify';
import type { ScoringTarget } from '../oipClassify';
import type {
  CallOptions,
  Classification,
  ClassifyOptions,
  KeyName,
  LogOptions,
  ModelInfo,
  ServiceInfo,
  ServiceKeys,
  Workspace,
} from '../workspace';
import { WorkspaceError } from '../workspaceError';
import { workspacePath } from './armApi';
import type { WorkspaceRef } from './armApi';
import type { ArmClient } from './armClient';
import { ModelRegistry } from './modelRegistry';
import { OnlineEndpoints } from './onlineEndpoints';
import type { AzureDeployOptions } from './onlineEndpoints';

/** What a workspace listing says about a workspace. */
export interface AzureWorkspaceInfo extends WorkspaceRef {
  /** The ARM resource id. */
  id: string;
  subscriptionName: string;
  location: string;
}

export class AzureWorkspace implements Workspace {
  readonly kind = 'azure';
  readonly id: string;
  readonly label: string;
  private readonly models: ModelRegistry;
  private readonly endpoints: OnlineEndpoints;
  /** Scoring URI and key per endpoint, so that classifying is one request. */
  private readonly targets = new ScoringTargets((service, options) => this.scoringTarget(service, options));

  constructor(
    arm: ArmClient,
    readonly info: AzureWorkspaceInfo,
  ) {
    this.id = info.id;
    this.label = info.workspaceName;
    const path = workspacePath(info);
    this.models = new ModelRegistry(arm, info, path);
    this.endpoints = new OnlineEndpoints(arm, info, path);
  }

  listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
    return this.models.list(options);
  }

  registerModel(zip: Uint8Array, name?: string, options: CallOptions = {}): Promise<ModelInfo> {
    return this.models.register(zip, name, options);
  }

  deleteModel(id: string, options: CallOptions = {}): Promise<void> {
    return this.models.delete(id, options);
  }

  listServices(options: CallOptions = {}): Promise<ServiceInfo[]> {
    return this.endpoints.list(options);
  }

  getService(name: string, options: CallOptions = {}): Promise<ServiceInfo> {
    return this.endpoints.get(name, options);
  }

  /** Polls every step to the end (Healthy or Failed) unless `wait` is false. */
  async deployService(name: string, modelId: string, options: AzureDeployOptions = {}): Promise<ServiceInfo> {
    // The model must exist before an endpoint is created for it.
    const model = await this.models.get(modelId, options);
    this.targets.forget(name);
    return this.endpoints.deploy(name, model.id, this.info.location, options);
  }

  async deleteService(name: string, options: CallOptions = {}): Promise<void> {
    this.targets.forget(name);
    await this.endpoints.delete(name, options);
  }

  getKeys(name: string, options: CallOptions = {}): Promise<ServiceKeys> {
    return this.endpoints.keys(name, options);
  }

  regenerateKey(name: string, which: KeyName, options: CallOptions = {}): Promise<ServiceKeys> {
    this.targets.forget(name);
    return this.endpoints.regenerate(name, which, options);
  }

  classify(service: string, image: Uint8Array, options: ClassifyOptions = {}): Promise<Classification> {
    return this.targets.classify(service, image, options);
  }

  serviceLogs(name: string, options: LogOptions = {}): Promise<string> {
    return this.endpoints.logs(name, options.tail, options);
  }

  private async scoringTarget(service: string, options: CallOptions): Promise<ScoringTarget> {
    const info = await this.endpoints.get(service, options);
    if (!info.scoring_uri) throw new WorkspaceError('unavailable', `endpoint ${service} has no scoring URI yet: it is ${info.state}`);
    const { primary } = await this.endpoints.keys(service, options);
    return { service, scoringUri: info.scoring_uri, key: primary };
  }
}
