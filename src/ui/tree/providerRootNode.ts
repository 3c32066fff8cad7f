import * as vscode from 'vscode';
import { messageOf } from '../../common/errors';
import type { WorkspaceEntry } from '../../workspaces/registry';
import { isWorkspaceError } from '../../workspaces/workspaceError';
import type { ProviderUi, WorkspaceRegistry } from '../workspaceRegistry';
import { ErrorNode, MessageNode } from './messageNodes';
import { PROVIDER_CONTEXT } from './presentation';
import type { RootNode, TreeNode } from './treeNode';
import { WorkspaceGroupNode, WorkspaceNode } from './workspaceNode';

/** What a root needs from a provider that users sign in to. */
export interface SignInProviderUi extends ProviderUi {
  /** Whether a session was chosen (the listing may still find it expired). */
  readonly signedIn: boolean;
  /** Who is signed in, for the root's description. */
  readonly account: string | undefined;
  readonly signInCommand: vscode.Command;
}

/**
 * The root of a provider of many workspaces (Azure Machine Learning): its workspaces,
 * grouped by subscription when there are several, or the sign-in it needs first.
 */
export class ProviderRootNode implements RootNode {
  constructor(
    private readonly ui: SignInProviderUi,
    private readonly registry: WorkspaceRegistry,
  ) {}

  holdsNothing(): Promise<boolean> {
    return Promise.resolve(!this.ui.signedIn);
  }

  getTreeItem(): vscode.TreeItem {
    const { provider } = this.ui;
    const item = new vscode.TreeItem(provider.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `provider/${provider.kind}`;
    item.iconPath = new vscode.ThemeIcon('azure');
    item.contextValue = this.ui.signedIn ? PROVIDER_CONTEXT.signedIn : PROVIDER_CONTEXT.signedOut;
    if (this.ui.account) item.description = this.ui.account;
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    const signIn = (): TreeNode => new MessageNode(this.ui.signInCommand.title, 'sign-in', this.ui.signInCommand, vscode.l10n.t('Sign in to list your Azure Machine Learning workspaces.'));
    if (!this.ui.signedIn) return [signIn()];
    let entries: WorkspaceEntry[];
    try {
      entries = await this.ui.provider.listWorkspaces();
    } catch (error) {
      if (isWorkspaceError(error, 'unauthorized')) return [new ErrorNode(messageOf(error), this), signIn()];
      return [new ErrorNode(messageOf(error), this)];
    }
    if (entries.length === 0) return [new MessageNode(vscode.l10n.t('No Azure Machine Learning workspaces in your subscriptions'), 'info')];
    const nodes = entries.map((entry) => new WorkspaceNode(entry, this.registry));
    const groups = [...new Set(entries.map((entry) => entry.group ?? ''))];
    if (groups.length <= 1) return nodes;
    const idPrefix = `provider/${this.ui.provider.kind}`;
    return groups.map((group) => new WorkspaceGroupNode(group || vscode.l10n.t('Other'), idPrefix, nodes.filter((node) => (node.entry.group ?? '') === group)));
  }
}
