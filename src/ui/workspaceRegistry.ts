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
    this.servicesLoaded.fire({ workspace, services });
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

export interface ServicesLoaded {
  workspace: Workspace;
  services: readonly ServiceInfo[];
}
