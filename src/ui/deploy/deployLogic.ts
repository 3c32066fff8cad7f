/**
 * The decisions of the Deploy command that do not need VS Code: the suggested service
 * name, the live check of a typed name, and waiting for a service to settle. The command
 * (src/ui/commands/deploy.ts) wires them to input boxes and progress notifications.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceNameProblem } from '../../common/serviceName';
import type { ModelInfo, ServiceInfo, Workspace } from '../../workspaces/workspace';
import type { Localize } from '../localize';
import { formatMessage } from '../localize';

const MAX_NAME = 32;

/**
 * A valid service name from a pipeline or model name ("MobileNet_v1 0.75" →
 * "mobilenet-v1-0-75"), made unique among `existing` with a numeric suffix.
 */
export function suggestServiceName(base: string, existing: Iterable<string> = []): string {
  const taken = new Set(existing);
  let stem = base
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  if (stem.length < 3) stem = `service${stem ? `-${stem}` : ''}`;
  stem = stem.slice(0, MAX_NAME).replace(/-+$/, '');
  if (!taken.has(stem)) return stem;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${stem.slice(0, MAX_NAME - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** What the name input box says under a typed name, or undefined when it can be deployed. */
export function serviceNameInputProblem(name: string, existing: Iterable<string>, t: Localize = formatMessage): string | undefined {
  if (name.length === 0) return t('Type a name for the service.');
  if (serviceNameProblem(name)) return t('Use 3–32 lowercase letters, digits and "-", starting with a letter and ending with a letter or digit.');
  for (const other of existing) {
    if (other === name) return t('A service named "{0}" already exists in this workspace; choose another name or delete it first.', name);
  }
  return undefined;
}

export interface WaitOptions {
  intervalMs?: number;
  /** Stops waiting (not the deployment) when aborted: the promise rejects with an AbortError. */
  signal?: AbortSignal;
  /** Called with every state seen, e.g. to update a progress message. */
  onState?: (service: ServiceInfo) => void;
}

/** Polls until the service leaves Transitioning: Healthy or Failed (or gone Deleting). */
export async function waitUntilSettled(workspace: Workspace, name: string, options: WaitOptions = {}): Promise<ServiceInfo> {
  const interval = options.intervalMs ?? 500;
  for (;;) {
    options.signal?.throwIfAborted();
    const service = await workspace.getService(name);
    options.onState?.(service);
    if (service.state !== 'Transitioning') return service;
    await sleep(interval, undefined, options.signal ? { signal: options.signal } : {});
  }
}

/**
 * Where the model to deploy comes from: zip bytes to register (with the pipeline's name, from
 * which the service name is suggested before anything is registered), or a model already registered.
 */
export type DeploySource = { kind: 'zip'; zip: Uint8Array; displayName: string; pipelineName: string } | { kind: 'model'; model: ModelInfo };

/** Registers a zip source (registering the same bytes twice gives the same model). */
export async function modelToDeploy(workspace: Workspace, source: DeploySource): Promise<ModelInfo> {
  return source.kind === 'model' ? source.model : workspace.registerModel(source.zip);
}

/** The name the input box starts with: the model's (or pipeline's) name, made valid and unique. */
export function defaultServiceName(modelName: string, services: readonly ServiceInfo[]): string {
  return suggestServiceName(modelName, services.map((s) => s.name));
}
