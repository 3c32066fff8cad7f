import * as vscode from 'vscode';
import type { WorkspaceRegistry } from '../workspaceRegistry';
import { LocalWorkspaceNode } from './localWorkspaceNode';
import { SignInNode } from './messageNodes';
import { anySettling } from './presentation';
import type { TreeNode } from './treeNode';

/** While a service is Transitioning or Deleting the tree reloads this often. */
const POLL_MS = 1000;

/** The Workspaces view's data: Local and (until Azure sign-in arrives) a sign-in node. */
export class WorkspacesTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly roots: TreeNode[];
  private readonly subscriptions: vscode.Disposable[];
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(registry: WorkspaceRegistry) {
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
    return node ? node.getChildren() : this.roots;
  }

  refresh(): void {
    this.changed.fire(undefined);
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
