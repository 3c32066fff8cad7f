/** The Local workspace: models and services of the service host on this machine. */
import { ScoringTargets } from '../oipClassify';
import type {
  CallOptions,
  Classification,
  ClassifyOptions,
  DeployOptions,
  KeyName,
  LogOptions,
  ModelInfo,
  ServiceInfo,
  ServiceKeys,
  Workspace,
} from '../workspace';
import { HostClient } from './hostClient';
import { hostLogLinesAbout } from './hostLog';
import type { HostFile } from './hostFile';

export const LOCAL_WORKSPACE_ID = 'local';

export class LocalWorkspace implements Workspace {
  readonly id = LOCAL_WORKSPACE_ID;
  readonly kind = 'local';
  readonly label = 'Local (this machine)';
  private readonly client: HostClient;
  private readonly targets = new ScoringTargets(async (service, options) => {
    const [info, keys] = await Promise.all([this.getService(service, options), this.getKeys(service, options)]);
    return { service, scoringUri: info.scoring_uri, key: keys.primary };
  });

  constructor(
    host: HostFile,
    /** The host's state folder, where its log is. */
    private readonly stateDir: string,
  ) {
    this.client = new HostClient(host);
  }

  get url(): string {
    return this.client.host.url;
  }

  listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
    return this.client.json('/admin/models', options);
  }

  registerModel(zip: Uint8Array, name?: string, options: CallOptions = {}): Promise<ModelInfo> {
    const query = name ? `?name=${encodeURIComponent(name)}` : '';
    return this.client.json(`/admin/models${query}`, { method: 'POST', body: zip, contentType: 'application/zip', ...options });
  }

  deleteModel(id: string, options: CallOptions = {}): Promise<void> {
    return this.client.json(`/admin/models/${encodeURIComponent(id)}`, { method: 'DELETE', ...options });
  }

  listServices(options: CallOptions = {}): Promise<ServiceInfo[]> {
    return this.client.json('/admin/services', options);
  }

  getService(name: string, options: CallOptions = {}): Promise<ServiceInfo> {
    return this.client.json(`/admin/services/${encodeURIComponent(name)}`, options);
  }

  deployService(name: string, modelId: string, options: DeployOptions = {}): Promise<ServiceInfo> {
    const { maxBatchSize, maxDelayMs, signal } = options;
    const body = JSON.stringify({ name, model: modelId, maxBatchSize, maxDelayMs });
    this.targets.forget(name);
    return this.client.json('/admin/services', { method: 'POST', body, contentType: 'application/json', ...(signal ? { signal } : {}) });
  }

  async deleteService(name: string, options: CallOptions = {}): Promise<void> {
    this.targets.forget(name);
    await this.client.json(`/admin/services/${encodeURIComponent(name)}`, { method: 'DELETE', ...options });
  }

  getKeys(name: string, options: CallOptions = {}): Promise<ServiceKeys> {
    return this.client.json(`/admin/services/${encodeURIComponent(name)}/keys`, options);
  }

  regenerateKey(name: string, which: KeyName, options: CallOptions = {}): Promise<ServiceKeys> {
    this.targets.forget(name);
    const body = JSON.stringify({ regenerate: which });
    return this.client.json(`/admin/services/${encodeURIComponent(name)}/keys`, { method: 'POST', body, contentType: 'application/json', ...options });
  }

  classify(service: string, image: Uint8Array, options: ClassifyOptions = {}): Promise<Classification> {
    return this.targets.classify(service, image, options);
  }

  async serviceLogs(name: string, options: LogOptions = {}): Promise<string> {
    await this.getService(name, options);
    return (await hostLogLinesAbout(this.stateDir, name, options.tail === undefined ? {} : { tail: options.tail })).join('\n');
  }

}
