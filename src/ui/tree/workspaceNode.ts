import * as vscode from 'vscode';
import type { WorkspaceEntry } from '../../workspaces/registry';
import type { WorkspaceRegistry } from '../workspaceRegistry';
import { WORKSPACE_CONTEXT } from './presentation';
import { ModelsGroupNode } from './modelNodes';
import { ServicesGroupNode } from './serviceNodes';
import type { TreeNode } from './treeNode';

/** A workspace a provider listed (an Azure Machine Learning workspace): its models and services. */
export class WorkspaceNode implements TreeNode {
  constructor(
    readonly entry: WorkspaceEntry,
    private readonly registry: WorkspaceRegistry,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const { workspace, description } = this.entry;
    const item = new vscode.TreeItem(workspace.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = workspace.id;
    item.iconPath = new vscode.ThemeIcon('beaker');
    if (description) item.description = description;
    item.tooltip = workspace.id;
    item.contextValue = WORKSPACE_CONTEXT[workspace.kind];
    return item;
  }

  getChildren(): TreeNode[] {
    const { workspace } = this.entry;
    return [new ModelsGroupNode(workspace, workspace.id), new ServicesGroupNode(workspace, this.registry, workspace.id)];
  }
}

/** The workspaces of one group (an Azure subscription). */
export class WorkspaceGroupNode implements TreeNode {
  constructor(
    readonly name: string,
    private readonly idPrefix: string,
    private readonly nodes: readonly WorkspaceNode[],
  ) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `${this.idPrefix}/group/${this.name}`;
    item.iconPath = new vscode.ThemeIcon('key');
    item.contextValue = 'workspaceGroup';
    return item;
  }

  getChildren(): TreeNode[] {
    return [...this.nodes];
  }
}
