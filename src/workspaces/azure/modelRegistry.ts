/**
 * The workspace's model registry (model containers and their versions). A model_def.zip is
 * uploaded to the default blob datastore under its SHA-256 and registered as a `custom_model`
 * version whose tags carry that SHA-256: registering the same bytes again finds the version
 * by its tag instead of adding one.
 */
import { sha256Hex } from '../../common/hash';
import { readModelDef } from '../../pipeline/modelDefReader';
import type { CallOptions, ModelInfo, ModelStage } from '../workspace';
import { WorkspaceError, isWorkspaceError } from '../workspaceError';
import type { WorkspaceRef } from './armApi';
import type { ArmClient } from './armClient';
import { defaultBlobDatastore, uploadToDatastore } from './datastoreUpload';

const SHA_TAG = 'fpga_sha256';
const SIZE_TAG = 'fpga_size';
const STAGES_PROPERTY = 'fpga_stages';
/** Azure ML asset names. */
const MODEL_NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

interface ModelContainerResource {
  name: string;
}

export interface ModelVersionResource {
  id: string;
  name: string;
  properties: { modelUri?: string; tags?: Record<string, string | null>; properties?: Record<string, string | null> };
  systemData?: { createdAt?: string };
}

export class ModelRegistry {
  constructor(
    private readonly arm: ArmClient,
    private readonly ref: WorkspaceRef,
    private readonly workspacePath: string,
  ) {}

  async list(options: CallOptions = {}): Promise<ModelInfo[]> {
    const what = `models of workspace ${this.ref.workspaceName}`;
    const containers = await this.arm.listAll<ModelContainerResource>({ method: 'GET', path: `${this.workspacePath}/models`, what, signal: options.signal });
    const models: ModelInfo[] = [];
    for (const container of containers) {
      const versions = await this.versions(container.name, options.signal);
      models.push(...versions.map((version) => modelInfo(container.name, version)));
    }
    return models;
  }

  async get(id: string, options: CallOptions = {}): Promise<ModelVersionResource> {
    const { name, version } = parseModelId(id);
    return this.arm.json<ModelVersionResource>({ method: 'GET', path: this.versionPath(name, version), what: `model ${id} in workspace ${this.ref.workspaceName}`, signal: options.signal });
  }

  async register(zip: Uint8Array, name: string | undefined, options: CallOptions = {}): Promise<ModelInfo> {
    // The same verification as the local host's: only a model_def.zip this project can run is registered.
    const modelDef = readModelDef(zip);
    const modelName = name ?? modelDef.serviceDef.name;
    if (!MODEL_NAME_RULE.test(modelName)) {
      throw new WorkspaceError('bad_request', `"${modelName}" cannot name an Azure ML model: use letters, digits, ".", "_" and "-", starting with a letter or digit`);
    }
    const sha256 = sha256Hex(zip);
    const versions = await this.versions(modelName, options.signal);
    const same = versions.find((version) => version.properties.tags?.[SHA_TAG] === sha256);
    if (same) return modelInfo(modelName, same);

    const datastore = await defaultBlobDatastore(this.arm, this.workspacePath, this.ref.workspaceName, options.signal);
    const blobPath = `fpga-models/${modelName}/${sha256}/model_def.zip`;
    await uploadToDatastore(this.arm, this.workspacePath, datastore, blobPath, zip, options.signal);
    const next = Math.max(0, ...versions.map((version) => integerVersion(version.name))) + 1;
    const stages: ModelStage[] = modelDef.serviceDef.pipeline.map((stage) => ({ name: stage.name, type: stage.type, ...('model_ref' in stage ? { model_ref: stage.model_ref } : {}) }));
    const created = await this.arm.json<ModelVersionResource>({
      method: 'PUT',
      path: this.versionPath(modelName, String(next)),
      what: `model ${modelName}:${next} in workspace ${this.ref.workspaceName}`,
      signal: options.signal,
      body: {
        properties: {
          modelType: 'custom_model',
          modelUri: `azureml://subscriptions/${this.ref.subscriptionId}/resourcegroups/${this.ref.resourceGroup}/workspaces/${this.ref.workspaceName}/datastores/${datastore.name}/paths/${blobPath}`,
          description: 'model_def.zip registered by FPGA Model Services',
          tags: { [SHA_TAG]: sha256, [SIZE_TAG]: String(zip.length) },
          properties: { [STAGES_PROPERTY]: JSON.stringify(stages) },
        },
      },
    });
    return modelInfo(modelName, created);
  }

  /** Deletes the version, and the model container once it has no versions left. */
  async delete(id: string, options: CallOptions = {}): Promise<void> {
    const { name, version } = parseModelId(id);
    const what = `model ${id} in workspace ${this.ref.workspaceName}`;
    await this.arm.send({ method: 'DELETE', path: this.versionPath(name, version), what, signal: options.signal });
    const left = await this.versions(name, options.signal).catch((error: unknown) => {
      if (isWorkspaceError(error, 'not_found')) return [];
      throw error;
    });
    if (left.length === 0) await this.arm.send({ method: 'DELETE', path: `${this.workspacePath}/models/${encodeURIComponent(name)}`, what, signal: options.signal });
  }

  /** The ARM id a deployment names its model by. */
  versionId(id: string): string {
    const { name, version } = parseModelId(id);
    return this.versionPath(name, version);
  }

  private async versions(name: string, signal: AbortSignal | undefined): Promise<ModelVersionResource[]> {
    const what = `versions of model ${name} in workspace ${this.ref.workspaceName}`;
    try {
      return await this.arm.listAll<ModelVersionResource>({ method: 'GET', path: `${this.workspacePath}/models/${encodeURIComponent(name)}/versions`, what, signal });
    } catch (error) {
      // No container yet: the first registration of this name.
      if (isWorkspaceError(error, 'not_found')) return [];
      throw error;
    }
  }

  private versionPath(name: string, version: string): string {
    return `${this.workspacePath}/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
  }
}

/** `<name>:<version>`; the version is the text after the last colon. */
export function parseModelId(id: string): { name: string; version: string } {
  const colon = id.lastIndexOf(':');
  if (colon <= 0 || colon === id.length - 1) throw new WorkspaceError('bad_request', `"${id}" is not a model id: use <name>:<version>, as "fpga azure models" lists them`);
  return { name: id.slice(0, colon), version: id.slice(colon + 1) };
}

/** `<name>:<version>` of a model version's ARM id (`…/models/<name>/versions/<version>`). */
export function modelIdOfArmId(armId: string | undefined): string {
  const match = /\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(armId ?? '');
  return match ? `${decodeURIComponent(match[1]!)}:${decodeURIComponent(match[2]!)}` : (armId ?? '');
}

function modelInfo(name: string, version: ModelVersionResource): ModelInfo {
  const tags = version.properties.tags ?? {};
  const size = Number(tags[SIZE_TAG]);
  return {
    id: `${name}:${version.name}`,
    name,
    // Versions this project registers are 1, 2, …; others (dates, labels) keep theirs in the id only.
    version: integerVersion(version.name),
    created: version.systemData?.createdAt ?? '',
    sha256: tags[SHA_TAG] ?? null,
    size: Number.isFinite(size) && size > 0 ? size : null,
    stages: parseStages(version.properties.properties?.[STAGES_PROPERTY]),
  };
}

function integerVersion(version: string): number {
  return /^\d+$/.test(version) ? Number(version) : 0;
}

function parseStages(text: string | null | undefined): ModelStage[] {
  if (!text) return [];
  try {
    const value = JSON.parse(text) as unknown;
    if (!Array.isArray(value)) return [];
    return value.filter((stage: unknown): stage is ModelStage => {
      const { name, type } = (stage ?? {}) as Record<string, unknown>;
      return typeof name === 'string' && typeof type === 'string';
    });
  } catch {
    return [];
  }
}
