import { setTimeout as sleep } from 'node:timers/promises';
import * as vscode from 'vscode';
import { messageOf } from '../../common/errors';
import type { ServiceInfo, Workspace } from '../../workspaces/workspace';
import type { WorkspaceRegistry } from '../workspaceRegistry';
import { ErrorNode, MessageNode } from './messageNodes';
import { GROUP_CONTEXT, serviceContextValue, serviceCount, serviceDescription, serviceIcon, serviceTooltip, sortServices, withPending } from './presentation';
import type { TreeNode } from './treeNode';

/**
 * A host loading a large model answers nothing for seconds (one inference thread): past this,
 * the group shows what it listed last, with this window's deploys and deletes, and reloads
 * once the host answers, instead of a spinner in place of every service.
 */
const LIST_PATIENCE_MS = 1500;

/** A deployed service; Classify Image, the copy and key commands and Delete Service act on it. */
export class ServiceNode implements TreeNode {
  constructor(
    readonly workspace: Workspace,
    readonly service: ServiceInfo,
    private readonly idPrefix: string,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.service.name);
    item.id = `${this.idPrefix}/service/${this.service.name}`;
    item.description = serviceDescription(this.service, vscode.l10n.t);
    item.tooltip = serviceTooltip(this.service, vscode.l10n.t);
    const icon = serviceIcon(this.service);
    item.iconPath = new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
    item.contextValue = serviceContextValue(this.service.state);
    return item;
  }

  getChildren(): TreeNode[] {
    return [];
  }
}

export class ServicesGroupNode implements TreeNode {
  private count: number | undefined;

  constructor(
    readonly workspace: Workspace,
    private readonly registry: WorkspaceRegistry,
    private readonly idPrefix: string,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Services'), vscode.TreeItemCollapsibleState.Expanded);
    item.id = `${this.idPrefix}/services`;
    item.iconPath = new vscode.ThemeIcon('server-process');
    if (this.count !== undefined) item.description = serviceCount(this.count, vscode.l10n.t);
    item.contextValue = GROUP_CONTEXT.services;
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    try {
      // Through the registry, so the status bar and the poller see every listing.
      const listing = this.registry.listServices(this.workspace);
      const listed = await Promise.race([listing, sleep(LIST_PATIENCE_MS).then(() => undefined)]);
      const shown = listed ?? this.registry.lastServices(this.workspace) ?? [];
      if (!listed) {
        // Reload once the slow listing is in, only if it changed what is shown: a workspace that
        // always answers slowly (a remote one) must not reload the tree forever.
        listing.then(
          (services) => {
            if (!sameServices(services, shown)) this.registry.reloadView();
          },
          () => this.registry.reloadView(),
        );
      }
      const { services, deploying } = withPending(shown, this.registry.pendingServices(this.workspace));
      this.count = services.length + deploying.length;
      if (this.count === 0) return [new MessageNode(vscode.l10n.t('No services yet: right-click a *.pipeline.json and choose Deploy'), 'info')];
      const deployingRows = deploying.map(
        (name) => new MessageNode(vscode.l10n.t('{0} — deploying…', name), 'sync~spin', undefined, vscode.l10n.t('The host is loading the model of {0}.', name)),
      );
      return [...sortServices(services).map((service) => new ServiceNode(this.workspace, service, this.idPrefix)), ...deployingRows];
    } catch (error) {
      return [new ErrorNode(messageOf(error), this)];
    }
  }
}

function sameServices(a: readonly ServiceInfo[], b: readonly ServiceInfo[]): boolean {
  const key = (services: readonly ServiceInfo[]): string => JSON.stringify(services.map((s) => [s.name, s.state, s.model, s.error]));
  return key(a) === key(b);
}
