/**
 * The entry point to Azure Machine Learning for the CLI and the extension alike (no VS Code
 * here): given any TokenCredential and the cloud's ARM endpoint, it lists subscriptions and
 * their ML workspaces and opens a workspace by its resource id.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { PipelineRetryOptions, TlsSettings } from '@azure/core-rest-pipeline';
import type { CallOptions } from '../workspace';
import { WorkspaceError } from '../workspaceError';
import { SUBSCRIPTIONS_API_VERSION, parseWorkspaceId, resourceGroupOf, workspacePath } from './armApi';
import { ArmClient } from './armClient';
import { AzureWorkspace } from './azureWorkspace';
import type { AzureWorkspaceInfo } from './azureWorkspace';

export interface AzureProviderOptions {
  credential: TokenCredential;
  /** Default: https://management.azure.com */
  armEndpoint?: string;
  /** Extra trusted certificates (a private cloud or a test server) when NODE_EXTRA_CA_CERTS is not an option. */
  tlsOptions?: TlsSettings;
  retryOptions?: PipelineRetryOptions;
  pollIntervalMs?: number;
  /** Cancels every listing that is not given a signal of its own. */
  signal?: AbortSignal;
}

export interface SubscriptionInfo {
  subscriptionId: string;
  name: string;
  tenantId: string;
}

export interface TenantInfo {
  tenantId: string;
  name: string;
}

export interface AzureProvider {
  readonly armEndpoint: string;
  /** The directories the account belongs to (VS Code's tenant choice). */
  listTenants(options?: CallOptions): Promise<TenantInfo[]>;
  listSubscriptions(options?: CallOptions): Promise<SubscriptionInfo[]>;
  /** Every ML workspace of every subscription the credential can see (or of the one given). */
  listWorkspaces(options?: CallOptions & { subscriptionId?: string }): Promise<AzureWorkspaceInfo[]>;
  /** The workspace a resource id names, read from ARM (so a wrong id fails here, with its reason). */
  openWorkspace(resourceId: string, options?: CallOptions): Promise<AzureWorkspace>;
  /**
   * The workspace of a listing, without another ARM call; the same object for the same id, so
   * that what it caches (endpoint keys) outlives a refresh of the listing.
   */
  workspaceOf(info: AzureWorkspaceInfo): AzureWorkspace;
}

interface TenantResource {
  tenantId: string;
  displayName?: string;
  defaultDomain?: string;
}

interface SubscriptionResource {
  subscriptionId: string;
  displayName?: string;
  tenantId?: string;
  state?: string;
}

interface WorkspaceResource {
  id: string;
  name: string;
  location?: string;
}

export function createAzureProvider(options: AzureProviderOptions): AzureProvider {
  const arm = new ArmClient(options);
  const signalOf = (call: CallOptions | undefined): AbortSignal | undefined => call?.signal ?? options.signal;
  const opened = new Map<string, AzureWorkspace>();

  async function listTenants(call?: CallOptions): Promise<TenantInfo[]> {
    const tenants = await arm.listAll<TenantResource>({ method: 'GET', path: '/tenants', apiVersion: SUBSCRIPTIONS_API_VERSION, what: 'the tenants you belong to', signal: signalOf(call) });
    return tenants.map((t) => ({ tenantId: t.tenantId, name: t.displayName ?? t.defaultDomain ?? t.tenantId }));
  }

  function workspaceOf(info: AzureWorkspaceInfo): AzureWorkspace {
    const known = opened.get(info.id);
    if (known) return known;
    const workspace = new AzureWorkspace(arm, info);
    opened.set(info.id, workspace);
    return workspace;
  }

  async function listSubscriptions(call?: CallOptions): Promise<SubscriptionInfo[]> {
    const subscriptions = await arm.listAll<SubscriptionResource>({
      method: 'GET',
      path: '/subscriptions',
      apiVersion: SUBSCRIPTIONS_API_VERSION,
      what: 'the subscriptions you can see',
      signal: signalOf(call),
    });
    // Disabled or deleted subscriptions cannot hold working workspaces.
    return subscriptions
      .filter((s) => s.state === undefined || s.state === 'Enabled' || s.state === 'Warned' || s.state === 'PastDue')
      .map((s) => ({ subscriptionId: s.subscriptionId, name: s.displayName ?? s.subscriptionId, tenantId: s.tenantId ?? '' }));
  }

  async function listWorkspaces(call?: CallOptions & { subscriptionId?: string }): Promise<AzureWorkspaceInfo[]> {
    const subscriptions = await listSubscriptions(call);
    const chosen = call?.subscriptionId ? subscriptions.filter((s) => s.subscriptionId === call.subscriptionId) : subscriptions;
    const workspaces: AzureWorkspaceInfo[] = [];
    for (const subscription of chosen) {
      const found = await arm.listAll<WorkspaceResource>({
        method: 'GET',
        path: `/subscriptions/${encodeURIComponent(subscription.subscriptionId)}/providers/Microsoft.MachineLearningServices/workspaces`,
        what: `Machine Learning workspaces of subscription ${subscription.name}`,
        signal: signalOf(call),
      });
      for (const workspace of found) workspaces.push(workspaceInfo(workspace, subscription.name));
    }
    return workspaces;
  }

  async function openWorkspace(resourceId: string, call?: CallOptions): Promise<AzureWorkspace> {
    const ref = parseWorkspaceId(resourceId);
    if (!ref) {
      throw new WorkspaceError(
        'bad_request',
        `"${resourceId}" is not a workspace resource id: use /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.MachineLearningServices/workspaces/<name>, as "fpga azure workspaces" lists them`,
      );
    }
    const resource = await arm.json<WorkspaceResource>({ method: 'GET', path: workspacePath(ref), what: `workspace ${ref.workspaceName} (resource group ${ref.resourceGroup})`, signal: signalOf(call) });
    return new AzureWorkspace(arm, { ...ref, id: resource.id, subscriptionName: ref.subscriptionId, location: resource.location ?? '' });
  }

  return { armEndpoint: arm.endpoint, listTenants, listSubscriptions, listWorkspaces, openWorkspace, workspaceOf };
}

function workspaceInfo(resource: WorkspaceResource, subscriptionName: string): AzureWorkspaceInfo {
  const ref = parseWorkspaceId(resource.id);
  return {
    id: resource.id,
    subscriptionId: ref?.subscriptionId ?? '',
    subscriptionName,
    resourceGroup: ref?.resourceGroup ?? resourceGroupOf(resource.id),
    workspaceName: resource.name,
    location: resource.location ?? '',
  };
}
