import { setTimeout as sleep } from 'node:timers/promises';
import * as vscode from 'vscode';
import type { WorkspaceRegistry } from '../workspaceRegistry';
import { anySettling } from './presentation';
import type { RootNode, TreeNode } from './treeNode';

/** While a service is Transitioning or Deleting the tree reloads this often. */
const POLL_MS = 1000;
/** How long the view waits to learn whether anything is deployed before showing the workspaces anyway. */
const ROOT_PATIENCE_MS = 1500;

/** The Workspaces view's data: one root per workspace provider (Local, Azure Machine Learning). */
export class WorkspacesTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(
    registry: WorkspaceRegistry,
    private readonly roots: readonly RootNode[],
  ) {
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
    return (await this.nothingDeployed()) ? [] : [...this.roots];
  }

  /** Whether every root holds nothing. A root that does not answer quickly, or fails, holds something: its node says more. */
  private async nothingDeployed(): Promise<boolean> {
    const check = async (): Promise<boolean> => (await Promise.all(this.roots.map((root) => root.holdsNothing()))).every(Boolean);
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
