/**
 * The providers of workspaces (Local, Azure Machine Learning) and the workspaces they offer
 * now. The CLI and the extension's tree, pickers and panels find workspaces only through
 * this, so a new kind of workspace is one more provider, not another special case.
 */
import type { CallOptions, Workspace, WorkspaceKind } from './workspace';
import { WorkspaceError } from './workspaceError';

/** A workspace as a provider lists it, with where it belongs (e.g. its Azure subscription). */
export interface WorkspaceEntry {
  workspace: Workspace;
  /** The group it is shown under when a provider offers several (an Azure subscription's name). */
  group?: string;
  /** One line about it (resource group and region). */
  description?: string;
}

export interface WorkspaceProvider {
  readonly kind: WorkspaceKind;
  /** What people see for the provider as a whole, e.g. "Azure Machine Learning". */
  readonly label: string;
  /**
   * The workspaces it offers now. Fails with a WorkspaceError: `unauthorized` when the user
   * must sign in first, `unavailable` when the provider cannot be reached.
   */
  listWorkspaces(options?: CallOptions): Promise<WorkspaceEntry[]>;
  /** Whether a workspace id is one of its kind (so a lookup asks only that provider). */
  ownsWorkspace(id: string): boolean;
}

/** One provider's listing: its workspaces, or why it could not list them. */
export type ProviderListing = { provider: WorkspaceProvider; entries: WorkspaceEntry[] } | { provider: WorkspaceProvider; error: unknown };

export class WorkspaceProviders {
  private readonly providers: WorkspaceProvider[] = [];

  constructor(providers: readonly WorkspaceProvider[] = []) {
    for (const provider of providers) this.add(provider);
  }

  add(provider: WorkspaceProvider): void {
    if (this.providers.some((known) => known.kind === provider.kind)) throw new Error(`a ${provider.kind} workspace provider is registered already`);
    this.providers.push(provider);
  }

  all(): readonly WorkspaceProvider[] {
    return this.providers;
  }

  byKind(kind: WorkspaceKind): WorkspaceProvider | undefined {
    return this.providers.find((provider) => provider.kind === kind);
  }

  /** Every provider's listing, side by side: one that fails (not signed in) hides no other. */
  listAll(options: CallOptions = {}): Promise<ProviderListing[]> {
    return Promise.all(
      this.providers.map(async (provider): Promise<ProviderListing> => {
        try {
          return { provider, entries: await provider.listWorkspaces(options) };
        } catch (error) {
          return { provider, error };
        }
      }),
    );
  }

  /** Every workspace that could be listed; the first failure is thrown only when none could. */
  async workspaces(options: CallOptions = {}): Promise<WorkspaceEntry[]> {
    const listings = await this.listAll(options);
    const entries = listings.flatMap((listing) => ('entries' in listing ? listing.entries : []));
    const failed = listings.find((listing) => 'error' in listing);
    if (entries.length === 0 && failed && 'error' in failed) throw failed.error;
    return entries;
  }

  /** The workspace with this id, asking only the provider of its kind. */
  async byId(id: string, options: CallOptions = {}): Promise<Workspace> {
    for (const provider of this.providers) {
      if (!provider.ownsWorkspace(id)) continue;
      const entries = await provider.listWorkspaces(options);
      const found = entries.find((entry) => entry.workspace.id === id);
      if (found) return found.workspace;
    }
    throw new WorkspaceError('not_found', `no workspace ${id} is available: sign in with the account that can see it, or pick another workspace`);
  }
}
