import { setTimeout as sleep } from 'node:timers/promises';
import * as vscode from 'vscode';
import { hasSavedDeployments } from '../../workspaces/local/savedState';
import type { WorkspaceRegistry } from '../workspaceRegistry';
import { LocalWorkspaceNode } from './localWorkspaceNode';
import { SignInNode } from './messageNodes';
import { anySettling } from './presentation';
import type { TreeNode } from './treeNode';

/** While a service is Transitioning or Deleting the tree reloads this often. */
const POLL_MS = 1000;
/** How long the view waits to learn whether anything is deployed before showing the workspaces anyway. */
const ROOT_PATIENCE_MS = 1500;

/** The Workspaces view's data: Local and (until Azure sign-in arrives) a sign-in node. */
export class WorkspacesTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly roots: TreeNode[];
  private readonly registry: WorkspaceRegistry;
  private readonly subscriptions: vscode.Disposable[];
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(registry: WorkspaceRegistry) {
    this.registry = registry;
    this.roots = [new LocalWorkspaceNode(registry), new SignInNode()];
    this.subscriptions = [
      registry.onDidChange(() => this.refresh()),
      registry.onDidLoadServices(({ services }) => {
        if (anySettling(services)) this.schedulePoll();
      }),
    ];
  }

  getTreeItem(node: TreeNode): vscode.TreeItem | Promise<vscode.TreeItem> {
    return node.getTreeItem();
  }

  getChildren(node?: TreeNode): TreeNode[] | Promise<TreeNode[]> {
    return node ? node.getChildren() : this.rootNodes();
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** No roots while nothing is deployed anywhere: VS Code then shows the view's welcome (template, example, walkthrough). */
  private async rootNodes(): Promise<TreeNode[]> {
    return (await this.nothingDeployed()) ? [] : this.roots;
  }

  /**
   * Whether the Local workspace holds no model and no service. A host that does not answer
   * quickly (busy loading a model) or fails is treated as holding some: its node says more.
   */
  private async nothingDeployed(): Promise<boolean> {
    const host = this.registry.localHost;
    const check = async (): Promise<boolean> => {
      const workspace = await host.attach();
      // Stopped by the user or crashed: the Local node offers Start, which the welcome would hide.
      if (!workspace) return host.mayAutoStart && !(await hasSavedDeployments(host.stateDir));
      const [models, services] = await Promise.all([workspace.listModels(), this.registry.listServices(workspace)]);
      return models.length === 0 && services.length === 0;
    };
    return Promise.race([check().catch(() => false), sleep(ROOT_PATIENCE_MS).then(() => false)]);
  }

  dispose(): void {
    clearTimeout(this.pollTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }

  private schedulePoll(): void {
    if (this.pollTimer) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      this.refresh();
    }, POLL_MS);
  }
}
