import type * as vscode from 'vscode';

/** A node of the Workspaces tree: it makes its own TreeItem and loads its own children. */
export interface TreeNode {
  getTreeItem(): vscode.TreeItem | Promise<vscode.TreeItem>;
  getChildren(): TreeNode[] | Promise<TreeNode[]>;
}

/** A root of the tree: one per workspace provider. */
export interface RootNode extends TreeNode {
  /**
   * Whether it holds nothing worth showing yet (no model, no service, not signed in): when
   * every root says so, the view shows its welcome instead. Must answer quickly.
   */
  holdsNothing(): Promise<boolean>;
}
