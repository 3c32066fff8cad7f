import * as vscode from 'vscode';
import { messageOf } from '../../common/errors';
import type { ServiceInfo, Workspace } from '../../workspaces/workspace';
import type { WorkspaceRegistry } from '../workspaceRegistry';
import { ErrorNode, MessageNode } from './messageNodes';
import { serviceContextValue, serviceCount, serviceDescription, serviceIcon, serviceTooltip, sortServices } from './presentation';
import type { TreeNode } from './treeNode';

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
    item.description = serviceDescription(this.service);
    item.tooltip = serviceTooltip(this.service, vscode.l10n.t);
    const icon = serviceIcon(this.service.state);
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
    item.contextValue = 'services';
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    try {
      // Through the registry, so the status bar and the poller see every listing.
      const services = sortServices(await this.registry.listServices(this.workspace));
      this.count = services.length;
      if (services.length === 0) return [new MessageNode(vscode.l10n.t('No services yet: right-click a *.pipeline.json and choose Deploy'), 'info')];
      return services.map((service) => new ServiceNode(this.workspace, service, this.idPrefix));
    } catch (error) {
      return [new ErrorNode(messageOf(error), this)];
    }
  }
}
