import * as vscode from 'vscode';
import { WorkspacesTreeProvider } from './tree/workspacesTree';
import type { WorkspaceRegistry } from './workspaceRegistry';

/** The Workspaces view: the Local workspace, Azure sign-in, their models and services. */
export function registerWorkspacesView(context: vscode.ExtensionContext, registry: WorkspaceRegistry): WorkspacesTreeProvider {
  const provider = new WorkspacesTreeProvider(registry);
  context.subscriptions.push(provider, vscode.window.createTreeView('fpga.workspaces', { treeDataProvider: provider, showCollapseAll: true }));
  return provider;
}
