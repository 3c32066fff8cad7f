/**
 * What a "provisioned" fake deployment runs: the model_def.zip downloaded from Azurite, served
 * for real. Until `fpga serve --model` (the container's single-model mode) is on main, this
 * is the normal local service host (dist/cli.js serve) with the model deployed under the
 * endpoint's name; the fake's scoring front checks the endpoint key and forwards to the
 * host's OIP infer route with the host's own key.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findOrStartHost, stopHost } from '../../../../src/workspaces/local/hostLauncher';
import type { HostFile } from '../../../../src/workspaces/local/hostFile';
import { LocalWorkspace } from '../../../../src/workspaces/local/localWorkspace';
import { REPO_ROOT } from '../fixtures';

export interface RunningModel {
  /** The OIP infer URL of the served model. */
  inferUrl: string;
  key: string;
}

export interface InferenceBackendOptions {
  /** Folder for the host's state. */
  stateDir: string;
  modelStore?: string;
  /** Default: dist/cli.js of this checkout (run `npm run build` first). */
  cliPath?: string;
}

export class InferenceBackend {
  private host: HostFile | undefined;

  constructor(private readonly options: InferenceBackendOptions) {}

  async start(serviceName: string, zip: Uint8Array): Promise<RunningModel> {
    this.host ??= await findOrStartHost(this.options.stateDir, {
      cliPath: this.options.cliPath ?? join(REPO_ROOT, 'dist', 'cli.js'),
      ...(this.options.modelStore ? { modelStore: this.options.modelStore } : {}),
    });
    const workspace = new LocalWorkspace(this.host, this.options.stateDir);
    const model = await workspace.registerModel(zip);
    let service = await workspace.deployService(serviceName, model.id);
    while (service.state === 'Transitioning') {
      await sleep(200);
      service = await workspace.getService(serviceName);
    }
    if (service.state !== 'Healthy') throw new Error(`the model server for ${serviceName} failed: ${service.error ?? 'no reason given'}`);
    const { primary } = await workspace.getKeys(serviceName);
    return { inferUrl: service.scoring_uri, key: primary };
  }

  async stopService(serviceName: string): Promise<void> {
    if (!this.host) return;
    await new LocalWorkspace(this.host, this.options.stateDir).deleteService(serviceName).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.host) await stopHost(this.host);
    this.host = undefined;
  }
}
