import * as vscode from 'vscode';
import { messageOf } from '../../common/errors';
import { hasSavedDeployments } from '../../workspaces/local/savedState';
import type { LocalHost } from '../localHost/localHost';
import type { WorkspaceRegistry } from '../workspaceRegistry';
import { ErrorNode, MessageNode } from './messageNodes';
import { ModelsGroupNode } from './modelNodes';
import { WORKSPACE_CONTEXT } from './presentation';
import { ServicesGroupNode } from './serviceNodes';
import type { RootNode, TreeNode } from './treeNode';

const ID = 'local';

/**
 * "Local (this machine)": the service host on this machine. Listing its children starts the
 * host (about a second) unless the user stopped it or it exited, in which case it offers Start.
 */
export class LocalWorkspaceNode implements RootNode {
  constructor(
    private readonly registry: WorkspaceRegistry,
    private readonly host: LocalHost,
  ) {}

  /** No model and no service here (a host stopped on purpose or crashed holds something: the node offers Start). */
  async holdsNothing(): Promise<boolean> {
    const workspace = await this.host.attach();
    if (!workspace) return this.host.mayAutoStart && !(await hasSavedDeployments(this.host.stateDir));
    const [models, services] = await Promise.all([workspace.listModels(), this.registry.listServices(workspace)]);
    return models.length === 0 && services.length === 0;
  }

  getTreeItem(): vscode.TreeItem {
    // Expanded: the view lists this node only once something is deployed here (else it shows its welcome), and that is what the user came to see.
    const item = new vscode.TreeItem(vscode.l10n.t('Local (this machine)'), vscode.TreeItemCollapsibleState.Expanded);
    item.id = ID;
    item.iconPath = new vscode.ThemeIcon('vm');
    item.contextValue = WORKSPACE_CONTEXT.local;
    const state = this.host.state;
    item.description = state === 'running' ? undefined : state === 'starting' ? vscode.l10n.t('starting…') : vscode.l10n.t('stopped');
    item.tooltip =
      state === 'running'
        ? vscode.l10n.t('The local service host runs the services on this machine.\nState folder: {0}', this.host.stateDir)
        : this.host.exitReason
          ? vscode.l10n.t('The local service host exited ({0}); see its log: host.log in {1}, or Show Host Log from the status bar.', this.host.exitReason, this.host.stateDir)
          : vscode.l10n.t('The local service host is not running.');
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    let workspace = await this.host.attach();
    if (!workspace && this.host.mayAutoStart) {
      try {
        workspace = await this.host.start();
      } catch (error) {
        return [new ErrorNode(messageOf(error), this)];
      }
    }
    if (!workspace) {
      const start = { command: 'fpga.startLocalHost', title: vscode.l10n.t('Start Local Host') };
      return [new MessageNode(vscode.l10n.t('Start the local service host'), 'play', start, this.host.exitReason)];
    }
    return [new ModelsGroupNode(workspace, ID), new ServicesGroupNode(workspace, this.registry, ID)];
  }
}
