import * as vscode from 'vscode';
import { WorkspacesTreeProvider } from './tree/workspacesTree';
import type { RootNode } from './tree/treeNode';
import type { WorkspaceRegistry } from './workspaceRegistry';

/** The Workspaces view: one root per workspace provider, with their workspaces' models and services. */
export function registerWorkspacesView(context: vscode.ExtensionContext, registry: WorkspaceRegistry, roots: readonly RootNode[]): WorkspacesTreeProvider {
  const provider = new WorkspacesTreeProvider(registry, roots);
  context.subscriptions.push(provider, vscode.window.createTreeView('fpga.workspaces', { treeDataProvider: provider, showCollapseAll: true }));
  return provider;
}
