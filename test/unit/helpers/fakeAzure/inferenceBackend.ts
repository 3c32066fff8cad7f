/**
 * What a "provisioned" fake deployment runs: the container's own command, `fpga serve --model`
 * (dist/cli.js), on the model_def.zip downloaded from Azurite, laid out as Azure ML mounts a
 * registered model (`<models>/<name>/<version>/model_def.zip`), with the service name in
 * FPGA_SERVICE_NAME as the deployment sets it. The fake's scoring front checks the endpoint
 * key and forwards to the server's OIP infer route, as Azure ML's front does.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SERVICE_NAME_VARIABLE } from '../../../../src/workspaces/azure/inferenceContainer';
import { REPO_ROOT } from '../fixtures';

export interface RunningModel {
  /** The OIP infer URL of the served model. */
  inferUrl: string;
  /** What the front sends as its bearer token (the server in the container checks none). */
  key: string;
}

export interface InferenceBackendOptions {
  /** Folder for the downloaded models. */
  stateDir: string;
  modelStore?: string;
  /** Default: dist/cli.js of this checkout (run `npm run build` first). */
  cliPath?: string;
}

/** A model server starts within this (MobileNet loads in a second or two; a cold compile takes longer). */
const START_TIMEOUT_MS = 120_000;

export class InferenceBackend {
  private readonly servers = new Map<string, ChildProcess>();
  private versions = 0;

  constructor(private readonly options: InferenceBackendOptions) {}

  async start(serviceName: string, zip: Uint8Array): Promise<RunningModel> {
    await this.stopService(serviceName);
    const modelDir = join(this.options.stateDir, 'azureml-models', serviceName, String(++this.versions));
    mkdirSync(modelDir, { recursive: true });
    writeFileSync(join(modelDir, 'model_def.zip'), zip);
    const child = spawn(
      process.execPath,
      [this.options.cliPath ?? join(REPO_ROOT, 'dist', 'cli.js'), 'serve', '--model', modelDir, '--port', '0', ...(this.options.modelStore ? ['--model-store', this.options.modelStore] : [])],
      { env: { ...process.env, [SERVICE_NAME_VARIABLE]: serviceName }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.servers.set(serviceName, child);
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const url = await serverReady(child, serviceName, () => errors);
    return { inferUrl: `${url}/v2/models/${encodeURIComponent(serviceName)}/infer`, key: 'checked-by-the-front' };
  }

  async stopService(serviceName: string): Promise<void> {
    const child = this.servers.get(serviceName);
    this.servers.delete(serviceName);
    if (!child || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((name) => this.stopService(name)));
  }
}

/** The server's URL once it prints "model NAME ready"; its stderr when it fails or exits first. */
function serverReady(child: ChildProcess, name: string, errors: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let url: string | undefined;
    const timer = setTimeout(() => reject(new Error(`the model server for ${name} was not ready within ${START_TIMEOUT_MS / 1000} s: ${errors()}`)), START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the model server for ${name} exited (${code ?? 'signal'}): ${errors()}`));
    });
    if (!child.stdout) return;
    createInterface({ input: child.stdout }).on('line', (line) => {
      url ??= /^listening on (\S+)/.exec(line)?.[1];
      if (url && line === `model ${name} ready`) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.stderr?.on('data', () => {
      if (/failed to load/.test(errors())) {
        clearTimeout(timer);
        reject(new Error(`the model server for ${name} failed: ${errors().trim()}`));
      }
    });
  });
}
