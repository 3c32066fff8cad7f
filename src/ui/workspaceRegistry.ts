import * as vscode from 'vscode';
import { LocalWorkspace } from '../workspaces/local/localWorkspace';
import type { ServiceInfo, Workspace } from '../workspaces/workspace';
import type { LocalHost } from './localHost/localHost';

/** The workspaces a command can act on, and the one event that says "what they hold changed". */
export class WorkspaceRegistry implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly servicesLoaded = new vscode.EventEmitter<ServicesLoaded>();
  /** Fires after a command changed a workspace, and when the local host starts or stops. */
  readonly onDidChange = this.changed.event;
  /** Fires whenever someone (the tree, a command) has listed a workspace's services. */
  readonly onDidLoadServices = this.servicesLoaded.event;
  private readonly subscription: vscode.Disposable;
  /** Deploys and deletes this window started and has not seen finish, by workspace label and service name. */
  private readonly pending = new Map<string, Map<string, PendingState>>();
  private readonly lastListed = new Map<string, readonly ServiceInfo[]>();

  constructor(readonly localHost: LocalHost) {
    this.subscription = localHost.onDidChange(() => this.changed.fire());
  }

  /** The Local workspace, starting its service host when it is not running. */
  getLocalWorkspace(): Promise<Workspace> {
    return this.localHost.start();
  }

  /** Every workspace a model can be deployed to (only Local until Azure sign-in arrives). */
  async deployTargets(): Promise<Workspace[]> {
    return [await this.getLocalWorkspace()];
  }

  isLocal(workspace: Workspace): boolean {
    return workspace instanceof LocalWorkspace;
  }

  /** Lists a workspace's services and tells the listeners (status bar, tree poller). */
  async listServices(workspace: Workspace): Promise<ServiceInfo[]> {
    const services = await workspace.listServices();
    this.reportServices(workspace, services);
    return services;
  }

  reportServices(workspace: Workspace, services: readonly ServiceInfo[]): void {
    this.lastListed.set(workspace.label, services);
    this.servicesLoaded.fire({ workspace, services });
  }

  /** What the workspace listed last time, for a tree that cannot wait for a busy host. */
  lastServices(workspace: Workspace): readonly ServiceInfo[] | undefined {
    return this.lastListed.get(workspace.label);
  }

  /**
   * Marks a service as being deployed or deleted by this window until `clearPending`: the
   * tree shows the row in that state at once, whatever the host answers meanwhile.
   */
  markPending(workspace: Workspace, name: string, state: PendingState): void {
    const byName = this.pending.get(workspace.label) ?? new Map<string, PendingState>();
    byName.set(name, state);
    this.pending.set(workspace.label, byName);
    this.changed.fire();
  }

  clearPending(workspace: Workspace, name: string): void {
    this.pending.get(workspace.label)?.delete(name);
    this.changed.fire();
  }

  pendingServices(workspace: Workspace): ReadonlyMap<string, PendingState> {
    return this.pending.get(workspace.label) ?? new Map<string, PendingState>();
  }

  /** Call after every change a command makes: the tree and the status bar reload. */
  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
    this.servicesLoaded.dispose();
  }
}

export type PendingState = 'Transitioning' | 'Deleting';

export interface ServicesLoaded {
  workspace: Workspace;
  services: readonly ServiceInfo[];
}
