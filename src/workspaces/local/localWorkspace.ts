/** The Local workspace: models and services of the service host on this machine. */
import type { Classification, DeployOptions, ModelInfo, ServiceInfo, ServiceKeys, Workspace } from '../workspace';
import { HostClient } from './hostClient';
import type { HostFile } from './hostFile';

export class LocalWorkspace implements Workspace {
  readonly label = 'Local (this machine)';
  private readonly client: HostClient;

  constructor(host: HostFile) {
    this.client = new HostClient(host);
  }

  listModels(): Promise<ModelInfo[]> {
    return this.client.json('/admin/models');
  }

  registerModel(zip: Uint8Array, name?: string): Promise<ModelInfo> {
    const query = name ? `?name=${encodeURIComponent(name)}` : '';
    return this.client.json(`/admin/models${query}`, { method: 'POST', body: zip, contentType: 'application/zip' });
  }

  deleteModel(id: string): Promise<void> {
    return this.client.json(`/admin/models/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  listServices(): Promise<ServiceInfo[]> {
    return this.client.json('/admin/services');
  }

  getService(name: string): Promise<ServiceInfo> {
    return this.client.json(`/admin/services/${encodeURIComponent(name)}`);
  }

  deployService(name: string, modelId: string, options: DeployOptions = {}): Promise<ServiceInfo> {
    const body = JSON.stringify({ name, model: modelId, ...options });
    return this.client.json('/admin/services', { method: 'POST', body, contentType: 'application/json' });
  }

  deleteService(name: string): Promise<void> {
    return this.client.json(`/admin/services/${encodeURIComponent(name)}`, { method: 'DELETE' });
  }

  getKeys(name: string): Promise<ServiceKeys> {
    return this.client.json(`/admin/services/${encodeURIComponent(name)}/keys`);
  }

  regenerateKey(name: string, which: keyof ServiceKeys): Promise<ServiceKeys> {
    const body = JSON.stringify({ regenerate: which });
    return this.client.json(`/admin/services/${encodeURIComponent(name)}/keys`, { method: 'POST', body, contentType: 'application/json' });
  }

  async classify(service: string, image: Uint8Array, top?: number): Promise<Classification> {
    const { primary } = await this.getKeys(service);
    const query = top === undefined ? '' : `?top=${top}`;
    return this.client.json(`/v2/models/${encodeURIComponent(service)}/classify${query}`, {
      method: 'POST',
      body: image,
      contentType: 'application/octet-stream',
      token: primary,
    });
  }
}
