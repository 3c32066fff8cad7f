import * as vscode from 'vscode';
import type { WorkspaceEntry, WorkspaceProvider, WorkspaceProviders } from '../workspaces/registry';
import type { DeployOptions, ServiceInfo, Workspace, WorkspaceKind } from '../workspaces/workspace';
import type { PanelAction } from '../../webview/protocol';

/**
 * What the extension adds to a VS Code-free workspace provider: the events that say its
 * workspaces changed, and what to offer when it cannot be reached or refuses the user.
 */
export interface ProviderUi {
  readonly provider: WorkspaceProvider;
  /** Fires when the provider's workspaces may have changed (a host started, a sign-in). */
  readonly onDidChange: vscode.Event<void>;
  /** The panel's remedy when nothing answers (Start Local Host, Run Again). */
  readonly unreachable: Remedy;
  /** The panel's remedy when the credentials are refused (Sign in). */
  readonly unauthorized: Remedy;
  /** What a deploy to one of its workspaces needs besides a name and a model (Azure: the image); may ask. */
  deployOptions?(workspace: Workspace): Promise<DeployOptions>;
  /** Drops what it keeps of its listings, so that a refresh asks again. */
  forget?(): void;
}

export interface Remedy {
  message: string;
  actions: PanelAction[];
}

/** The workspaces a command can act on, and the one event that says "what they hold changed". */
export class WorkspaceRegistry implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly servicesLoaded = new vscode.EventEmitter<ServicesLoaded>();
  /** Fires after a command changed a workspace, and when a provider's workspaces changed. */
  readonly onDidChange = this.changed.event;
  /** Fires whenever someone (the tree, a command) has listed a workspace's services. */
  readonly onDidLoadServices = this.servicesLoaded.event;
  private readonly subscriptions: vscode.Disposable[];
  /** Deploys and deletes this window started and has not seen finish, by workspace id and service name. */
  private readonly pending = new Map<string, Map<string, PendingState>>();
  private readonly lastListed = new Map<string, readonly ServiceInfo[]>();

  constructor(
    readonly providers: WorkspaceProviders,
    private readonly uis: readonly ProviderUi[],
  ) {
    this.subscriptions = uis.map((ui) => ui.onDidChange(() => this.changed.fire()));
  }

  /** Every workspace that can be listed now, across providers (one not signed in hides no other). */
  async allWorkspaces(): Promise<WorkspaceEntry[]> {
    return this.providers.workspaces();
  }

  /** Every workspace a model can be deployed to. */
  async deployTargets(): Promise<Workspace[]> {
    return (await this.allWorkspaces()).map((entry) => entry.workspace);
  }

  workspaceById(id: string): Promise<Workspace> {
    return this.providers.byId(id);
  }

  providerUi(kind: WorkspaceKind): ProviderUi | undefined {
    return this.uis.find((ui) => ui.provider.kind === kind);
  }

  /** The provider a workspace id belongs to, known without listing anything. */
  providerUiOf(workspaceId: string): ProviderUi | undefined {
    return this.uis.find((ui) => ui.provider.ownsWorkspace(workspaceId));
  }

  /** Lists a workspace's services and tells the listeners (status bar, tree poller, panels). */
  async listServices(workspace: Workspace): Promise<ServiceInfo[]> {
    const services = await workspace.listServices();
    this.reportServices(workspace, services);
    return services;
  }

  reportServices(workspace: Workspace, services: readonly ServiceInfo[]): void {
    this.lastListed.set(workspace.id, services);
    this.servicesLoaded.fire({ workspace, services });
  }

  /** What the workspace listed last time, for a tree that cannot wait for a busy workspace. */
  lastServices(workspace: Workspace): readonly ServiceInfo[] | undefined {
    return this.lastListed.get(workspace.id);
  }

  /**
   * Marks a service as being deployed or deleted by this window until `clearPending`: the
   * tree shows the row in that state at once, whatever the workspace answers meanwhile.
   */
  markPending(workspace: Workspace, name: string, state: PendingState): void {
    const byName = this.pending.get(workspace.id) ?? new Map<string, PendingState>();
    byName.set(name, state);
    this.pending.set(workspace.id, byName);
    this.changed.fire();
  }

  clearPending(workspace: Workspace, name: string): void {
    this.pending.get(workspace.id)?.delete(name);
    this.changed.fire();
  }

  pendingServices(workspace: Workspace): ReadonlyMap<string, PendingState> {
    return this.pending.get(workspace.id) ?? new Map<string, PendingState>();
  }

  /** The tree and the status bar show again what the workspaces hold, with the listings they have. */
  reloadView(): void {
    this.changed.fire();
  }

  /** Call after every change a command makes: the tree and the status bar reload, and listings are asked again. */
  refresh(): void {
    for (const ui of this.uis) ui.forget?.();
    this.changed.fire();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
    this.servicesLoaded.dispose();
  }
}

export type PendingState = 'Transitioning' | 'Deleting';

export interface ServicesLoaded {
  workspace: Workspace;
  services: readonly ServiceInfo[];
}
