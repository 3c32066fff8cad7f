import type * as vscode from 'vscode';

/** A node of the Workspaces tree: it makes its own TreeItem and loads its own children. */
export interface TreeNode {
  getTreeItem(): vscode.TreeItem | Promise<vscode.TreeItem>;
  getChildren(): TreeNode[] | Promise<TreeNode[]>;
}
