/**
 * An Azure Machine Learning workspace as a Workspace: models in its registry, services as
 * managed online endpoints, classification over the endpoint's scoring URI with its key.
 */
import { classifyOverOip } from '../oipClassify';
import type { ScoringTarget, TimedClassification } from '../oipClassify';
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
import { WorkspaceError, isWorkspaceError } from '../workspaceError';
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
  private readonly targets = new Map<string, ScoringTarget>();

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
    this.targets.delete(name);
    return this.endpoints.deploy(name, model.id, this.info.location, options);
  }

  async deleteService(name: string, options: CallOptions = {}): Promise<void> {
    this.targets.delete(name);
    await this.endpoints.delete(name, options);
  }

  getKeys(name: string, options: CallOptions = {}): Promise<ServiceKeys> {
    return this.endpoints.keys(name, options);
  }

  regenerateKey(name: string, which: KeyName, options: CallOptions = {}): Promise<ServiceKeys> {
    this.targets.delete(name);
    return this.endpoints.regenerate(name, which, options);
  }

  async classify(service: string, image: Uint8Array, options: ClassifyOptions = {}): Promise<Classification> {
    return (await this.classifyTimed(service, image, options)).classification;
  }

  /** Classifies and says how long the one scoring request took (no key lookup counted). */
  async classifyTimed(service: string, image: Uint8Array, options: ClassifyOptions = {}): Promise<TimedClassification> {
    const cached = this.targets.get(service);
    const target = cached ?? (await this.scoringTarget(service, options));
    try {
      return await classifyOverOip(target, image, options);
    } catch (error) {
      // Keys regenerated elsewhere (the portal, another window): look them up once more.
      if (!cached || !isWorkspaceError(error, 'unauthorized')) throw error;
      this.targets.delete(service);
      return classifyOverOip(await this.scoringTarget(service, options), image, options);
    }
  }

  serviceLogs(name: string, options: LogOptions = {}): Promise<string> {
    return this.endpoints.logs(name, options.tail, options);
  }

  private async scoringTarget(service: string, options: CallOptions): Promise<ScoringTarget> {
    const info = await this.endpoints.get(service, options);
    if (!info.scoring_uri) throw new WorkspaceError('unavailable', `endpoint ${service} has no scoring URI yet: it is ${info.state}`);
    const { primary } = await this.endpoints.keys(service, options);
    const target = { service, scoringUri: info.scoring_uri, key: primary };
    this.targets.set(service, target);
    return target;
  }
}
