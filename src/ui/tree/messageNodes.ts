import * as vscode from 'vscode';
import { ERROR_CONTEXT, MESSAGE_CONTEXT } from './presentation';
import type { TreeNode } from './treeNode';

/** A failure to load a part of the tree: says why, and clicking it (or its inline action) retries. */
export class ErrorNode implements TreeNode {
  constructor(
    readonly message: string,
    /** The node whose children failed to load; fpga.refresh reloads the tree. */
    readonly parent?: TreeNode,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const oneLine = this.message.replace(/\s*\n\s*/g, ' ');
    const item = new vscode.TreeItem(vscode.l10n.t('Could not load: {0}', oneLine));
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    item.tooltip = vscode.l10n.t('{0}\n\nClick to retry.', this.message);
    item.contextValue = ERROR_CONTEXT;
    item.command = { command: 'fpga.refresh', title: vscode.l10n.t('Retry'), arguments: [this] };
    return item;
  }

  getChildren(): TreeNode[] {
    return [];
  }
}

/** A leaf that says something (e.g. "No services yet") or offers one action. */
export class MessageNode implements TreeNode {
  constructor(
    readonly label: string,
    readonly icon: string,
    readonly command?: vscode.Command,
    readonly tooltip?: string,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label);
    item.iconPath = new vscode.ThemeIcon(this.icon);
    if (this.command) item.command = this.command;
    if (this.tooltip) item.tooltip = this.tooltip;
    item.contextValue = MESSAGE_CONTEXT;
    return item;
  }

  getChildren(): TreeNode[] {
    return [];
  }
}
