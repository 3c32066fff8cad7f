/**
 * Services on Azure ML are managed online endpoints (key auth), each with one deployment
 * that runs this project's inference server image on the registered model. This module
 * creates, reads, deletes them and maps their provisioning states onto ServiceInfo.
 */
import { createHash } from 'node:crypto';
import type { CallOptions, DeployOptions, KeyName, ServiceInfo, ServiceKeys, ServiceState } from '../workspace';
import { WorkspaceError, isWorkspaceError } from '../workspaceError';
import type { WorkspaceRef } from './armApi';
import type { ArmClient, LongRunningOutcome } from './armClient';
import { SERVICE_NAME_VARIABLE, inferenceRoutes } from './inferenceContainer';
import { modelIdOfArmId } from './modelRegistry';

/** The one deployment behind each endpoint this project creates. */
export const DEPLOYMENT_NAME = 'fpga';
const ENVIRONMENT_NAME = 'fpga-inference-server';
const DEFAULT_INSTANCE_TYPE = 'Standard_DS3_v2';
const TAG = 'fpga-model-services';

export interface EndpointResource {
  name: string;
  location?: string;
  properties: { provisioningState?: string; scoringUri?: string; traffic?: Record<string, number>; authMode?: string };
  systemData?: { createdAt?: string };
}

export interface DeploymentResource {
  name: string;
  properties: { provisioningState?: string; model?: string; instanceType?: string };
}

export interface AzureDeployOptions extends DeployOptions {
  /** false: return once Azure has accepted the deployment, without polling it to the end. */
  wait?: boolean;
}

export class OnlineEndpoints {
  /** The platform's message of the last failed operation per endpoint: resources do not keep it. */
  private readonly failures = new Map<string, string>();

  constructor(
    private readonly arm: ArmClient,
    private readonly ref: WorkspaceRef,
    private readonly workspacePath: string,
  ) {}

  async list(options: CallOptions = {}): Promise<ServiceInfo[]> {
    const endpoints = await this.arm.listAll<EndpointResource>({ method: 'GET', path: `${this.workspacePath}/onlineEndpoints`, what: `online endpoints of workspace ${this.ref.workspaceName}`, signal: options.signal });
    const services: ServiceInfo[] = [];
    for (const endpoint of endpoints) services.push(this.serviceInfo(endpoint, await this.deployments(endpoint.name, options.signal)));
    return services;
  }

  async get(name: string, options: CallOptions = {}): Promise<ServiceInfo> {
    const endpoint = await this.arm.json<EndpointResource>({ method: 'GET', path: this.endpointPath(name), what: this.what(name), signal: options.signal });
    return this.serviceInfo(endpoint, await this.deployments(name, options.signal));
  }

  /**
   * Endpoint (created if missing) → inline environment with the image → deployment →
   * all traffic to it. Each long-running step is polled with progress; a failed step ends
   * the service Failed with the platform's message.
   */
  async deploy(name: string, modelArmId: string, location: string, options: AzureDeployOptions): Promise<ServiceInfo> {
    const { signal, onProgress } = options;
    if (!options.image) throw new WorkspaceError('bad_request', `deploying ${name} to Azure needs the container image of the inference server (--image)`);
    this.failures.delete(name);
    const progress = (message: string): void => onProgress?.(message);

    let endpoint = await this.arm.json<EndpointResource>({ method: 'GET', path: this.endpointPath(name), what: this.what(name), signal }).catch((error: unknown) => {
      if (isWorkspaceError(error, 'not_found')) return undefined;
      throw error;
    });
    if (!endpoint) {
      progress(`creating endpoint ${name}`);
      const created = await this.arm.longRunning(
        { method: 'PUT', path: this.endpointPath(name), what: this.what(name), signal, body: this.endpointBody(location, {}) },
        { finalStateVia: 'original-uri', onProgress: progress },
      );
      if (created.status !== 'succeeded') return this.failed(name, 'endpoint', created, signal);
      endpoint = created.result as EndpointResource;
    }

    progress(`registering the environment for ${options.image}`);
    const environmentId = await this.putEnvironment(name, options.image, signal);

    progress(`deploying ${modelIdOfArmId(modelArmId)} to ${name}`);
    const deployment = {
      method: 'PUT' as const,
      path: this.deploymentPath(name),
      what: `deployment ${DEPLOYMENT_NAME} of ${this.what(name)}`,
      signal,
      body: {
        location,
        sku: { name: 'Default', capacity: options.instanceCount ?? 1 },
        properties: {
          endpointComputeType: 'Managed',
          model: modelArmId,
          environmentId,
          instanceType: options.instanceType ?? DEFAULT_INSTANCE_TYPE,
          environmentVariables: { [SERVICE_NAME_VARIABLE]: name },
          appInsightsEnabled: false,
        },
      },
    };
    if (options.wait === false) {
      await this.arm.send(deployment);
      await this.arm.send({ method: 'PUT', path: this.endpointPath(name), what: this.what(name), signal, body: this.endpointBody(location, { [DEPLOYMENT_NAME]: 100 }) });
      return this.get(name, { ...(signal ? { signal } : {}) });
    }
    const deployed = await this.arm.longRunning(deployment, { finalStateVia: 'original-uri', onProgress: progress });
    if (deployed.status !== 'succeeded') return this.failed(name, 'deployment', deployed, signal);

    if ((endpoint.properties.traffic?.[DEPLOYMENT_NAME] ?? 0) !== 100) {
      progress(`routing all traffic of ${name} to its deployment`);
      const routed = await this.arm.longRunning(
        { method: 'PUT', path: this.endpointPath(name), what: this.what(name), signal, body: this.endpointBody(location, { [DEPLOYMENT_NAME]: 100 }) },
        { finalStateVia: 'original-uri', onProgress: progress },
      );
      if (routed.status !== 'succeeded') return this.failed(name, 'traffic update', routed, signal);
    }
    return this.get(name, { ...(signal ? { signal } : {}) });
  }

  /** Deletes the endpoint with its deployments (a long-running operation, polled to the end). */
  async delete(name: string, options: CallOptions = {}): Promise<void> {
    const outcome = await this.arm.longRunning({ method: 'DELETE', path: this.endpointPath(name), what: this.what(name), signal: options.signal }, { finalStateVia: 'location' });
    this.failures.delete(name);
    if (outcome.status !== 'succeeded') throw new WorkspaceError('unavailable', `deleting ${this.what(name)} ${outcome.status}: ${outcome.error ?? 'no reason given'}`);
  }

  async keys(name: string, options: CallOptions = {}): Promise<ServiceKeys> {
    const keys = await this.arm.json<{ primaryKey?: string; secondaryKey?: string }>({ method: 'POST', path: `${this.endpointPath(name)}/listKeys`, what: `keys of ${this.what(name)}`, signal: options.signal });
    if (!keys.primaryKey || !keys.secondaryKey) throw new WorkspaceError('bad_request', `${this.what(name)} has no keys: it does not use key authentication`);
    return { primary: keys.primaryKey, secondary: keys.secondaryKey };
  }

  async regenerate(name: string, which: KeyName, options: CallOptions = {}): Promise<ServiceKeys> {
    const outcome = await this.arm.longRunning(
      {
        method: 'POST',
        path: `${this.endpointPath(name)}/regenerateKeys`,
        what: `the ${which} key of ${this.what(name)}`,
        signal: options.signal,
        body: { keyType: which === 'primary' ? 'Primary' : 'Secondary' },
      },
      { finalStateVia: 'location' },
    );
    if (outcome.status !== 'succeeded') throw new WorkspaceError('unavailable', `regenerating the ${which} key of ${this.what(name)} ${outcome.status}: ${outcome.error ?? 'no reason given'}`);
    return this.keys(name, options);
  }

  async logs(name: string, tail: number | undefined, options: CallOptions = {}): Promise<string> {
    const logs = await this.arm.json<{ content?: string }>({
      method: 'POST',
      path: `${this.deploymentPath(name)}/getLogs`,
      what: this.what(name),
      signal: options.signal,
      body: { containerType: 'InferenceServer', ...(tail !== undefined ? { tail } : {}) },
    });
    return logs.content ?? '';
  }

  private async failed(name: string, step: string, outcome: LongRunningOutcome, signal: AbortSignal | undefined): Promise<ServiceInfo> {
    this.failures.set(name, `${step} ${outcome.status}: ${outcome.error ?? 'no reason given'}`);
    return this.get(name, { ...(signal ? { signal } : {}) });
  }

  /**
   * The inline environment of the deployment: the image and its OIP routes. Its version is
   * a hash of both, so deploying the same image to the same name reuses it.
   */
  private async putEnvironment(name: string, image: string, signal: AbortSignal | undefined): Promise<string> {
    const inferenceConfig = inferenceRoutes(name);
    const version = createHash('sha256').update(JSON.stringify({ image, inferenceConfig })).digest('hex').slice(0, 16);
    const path = `${this.workspacePath}/environments/${ENVIRONMENT_NAME}/versions/${version}`;
    await this.arm.send({
      method: 'PUT',
      path,
      what: `environment ${ENVIRONMENT_NAME}:${version} in workspace ${this.ref.workspaceName}`,
      signal,
      body: { properties: { image, inferenceConfig, osType: 'Linux', isAnonymous: true, description: `FPGA Model Services inference server for ${name}` } },
    });
    return path;
  }

  private endpointBody(location: string, traffic: Record<string, number>): unknown {
    return {
      location,
      identity: { type: 'SystemAssigned' },
      tags: { [TAG]: 'true' },
      properties: { authMode: 'Key', description: 'FPGA Model Services', traffic },
    };
  }

  private async deployments(name: string, signal: AbortSignal | undefined): Promise<DeploymentResource[]> {
    return this.arm.listAll<DeploymentResource>({ method: 'GET', path: `${this.endpointPath(name)}/deployments`, what: `deployments of ${this.what(name)}`, signal });
  }

  private serviceInfo(endpoint: EndpointResource, deployments: DeploymentResource[]): ServiceInfo {
    const traffic = endpoint.properties.traffic ?? {};
    // Ours has one deployment; on another endpoint, the one with the most traffic speaks for it.
    const deployment = [...deployments].sort((a, b) => (traffic[b.name] ?? 0) - (traffic[a.name] ?? 0))[0];
    const { state, error } = serviceState(endpoint, deployment, traffic);
    return {
      name: endpoint.name,
      model: modelIdOfArmId(deployment?.properties.model),
      state,
      scoring_uri: endpoint.properties.scoringUri ?? '',
      error: state === 'Failed' ? (this.failures.get(endpoint.name) ?? error) : error,
      created: endpoint.systemData?.createdAt ?? '',
      backend: null,
      precision: null,
      synthetic: null,
      input_shape: null,
      classes: null,
      max_batch_size: null,
      max_delay_ms: null,
    };
  }

  private what(name: string): string {
    return `endpoint ${name} in workspace ${this.ref.workspaceName}`;
  }

  private endpointPath(name: string): string {
    return `${this.workspacePath}/onlineEndpoints/${encodeURIComponent(name)}`;
  }

  private deploymentPath(name: string): string {
    return `${this.endpointPath(name)}/deployments/${DEPLOYMENT_NAME}`;
  }
}

const TRANSITIONING = new Set(['Creating', 'Updating', 'Scaling', 'Provisioning']);
const FAILED = new Set(['Failed', 'Canceled']);

/** Endpoint and deployment provisioning states as one service state. */
export function serviceState(
  endpoint: EndpointResource,
  deployment: DeploymentResource | undefined,
  traffic: Record<string, number>,
): { state: ServiceState; error: string | null } {
  const endpointState = endpoint.properties.provisioningState ?? 'Succeeded';
  const deploymentState = deployment?.properties.provisioningState ?? 'Succeeded';
  const logsHint = `see "fpga azure logs ${endpoint.name}"`;
  if (endpointState === 'Deleting' || (deployment && deploymentState === 'Deleting')) return { state: 'Deleting', error: null };
  if (FAILED.has(endpointState)) return { state: 'Failed', error: `endpoint provisioning ${endpointState.toLowerCase()}` };
  if (deployment && FAILED.has(deploymentState)) return { state: 'Failed', error: `deployment ${deployment.name} provisioning ${deploymentState.toLowerCase()}: ${logsHint}` };
  if (TRANSITIONING.has(endpointState) || (deployment && TRANSITIONING.has(deploymentState))) return { state: 'Transitioning', error: null };
  if (!deployment) return { state: 'Failed', error: `endpoint ${endpoint.name} has no deployment: deploy a model to it with "fpga azure deploy"` };
  if ((traffic[deployment.name] ?? 0) === 0) return { state: 'Transitioning', error: `deployment ${deployment.name} receives no traffic yet` };
  return { state: 'Healthy', error: null };
}
