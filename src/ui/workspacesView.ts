import * as vscode from 'vscode';

/**
 * The Workspaces view. It lists nothing yet, so VS Code shows its welcome content
 * (package.json `viewsWelcome`), which says what works today; the Local and Azure
 * workspaces and their models and services become nodes of this tree.
 */
class WorkspacesTreeDataProvider implements vscode.TreeDataProvider<vscode.TreeItem> {
  getTreeItem(element: vscode.TreeItem): vscode.TreeItem {
    return element;
  }

  getChildren(): vscode.TreeItem[] {
    return [];
  }
}

export function registerWorkspacesView(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.window.createTreeView('fpga.workspaces', { treeDataProvider: new WorkspacesTreeDataProvider() }),
  );
}
