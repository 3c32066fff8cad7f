/**
 * Azure Machine Learning as a workspace provider of the registry: the workspaces of every
 * subscription the credential can see, each grouped under its subscription. A listing is
 * kept for a short while, because the tree, the pickers and every classify run ask for it
 * and each listing costs two ARM calls per subscription.
 */
import type { WorkspaceEntry, WorkspaceProvider } from '../registry';
import type { CallOptions } from '../workspace';
import { parseWorkspaceId } from './armApi';
import type { AzureProvider } from './azureProvider';

export const AZURE_PROVIDER_LABEL = 'Azure Machine Learning';
const LISTING_TTL_MS = 30_000;

export interface CachedWorkspaceProvider extends WorkspaceProvider {
  /** Forget the listing: the next call asks Azure again (Refresh, a sign-in, a deploy). */
  forget(): void;
}

export function azureWorkspaceProvider(azure: AzureProvider, now: () => number = Date.now): CachedWorkspaceProvider {
  let cached: { at: number; entries: Promise<WorkspaceEntry[]> } | undefined;
  const list = async (options: CallOptions): Promise<WorkspaceEntry[]> =>
    (await azure.listWorkspaces(options)).map((info) => ({
      workspace: azure.workspaceOf(info),
      group: info.subscriptionName,
      description: [info.resourceGroup, info.location].filter(Boolean).join(' · '),
    }));
  return {
    kind: 'azure',
    label: AZURE_PROVIDER_LABEL,
    ownsWorkspace: (id) => parseWorkspaceId(id) !== undefined,
    listWorkspaces(options: CallOptions = {}): Promise<WorkspaceEntry[]> {
      if (!cached || now() - cached.at > LISTING_TTL_MS) {
        const entries = list(options);
        cached = { at: now(), entries };
        // A failed listing (signed out, offline) is not kept: the next call tries again.
        entries.catch(() => {
          if (cached?.entries === entries) cached = undefined;
        });
      }
      return cached.entries;
    },
    forget(): void {
      cached = undefined;
    },
  };
}
