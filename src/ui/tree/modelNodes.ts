import * as vscode from 'vscode';
import { messageOf } from '../../common/errors';
import type { ModelInfo, Workspace } from '../../workspaces/workspace';
import { ErrorNode, MessageNode } from './messageNodes';
import { GROUP_CONTEXT, MODEL_CONTEXT, modelDescription, modelLabel, modelTooltip, sortModels } from './presentation';
import type { TreeNode } from './treeNode';

/** A registered model; Deploy, Reveal Model Zip and Delete Model act on it. */
export class ModelNode implements TreeNode {
  constructor(
    readonly workspace: Workspace,
    readonly model: ModelInfo,
    private readonly idPrefix: string,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(modelLabel(this.model));
    item.id = `${this.idPrefix}/model/${this.model.id}`;
    item.description = modelDescription(this.model);
    item.tooltip = modelTooltip(this.model, vscode.l10n.t);
    item.iconPath = new vscode.ThemeIcon('file-zip');
    item.contextValue = MODEL_CONTEXT;
    return item;
  }

  getChildren(): TreeNode[] {
    return [];
  }
}

export class ModelsGroupNode implements TreeNode {
  constructor(
    readonly workspace: Workspace,
    private readonly idPrefix: string,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Models'), vscode.TreeItemCollapsibleState.Expanded);
    item.id = `${this.idPrefix}/models`;
    item.iconPath = new vscode.ThemeIcon('library');
    item.contextValue = GROUP_CONTEXT.models;
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    try {
      const models = sortModels(await this.workspace.listModels());
      // Only while something else is deployed here: an empty Local workspace shows the view's welcome instead.
      if (models.length === 0) return [new MessageNode(vscode.l10n.t('No models registered'), 'info')];
      return models.map((model) => new ModelNode(this.workspace, model, this.idPrefix));
    } catch (error) {
      return [new ErrorNode(messageOf(error), this)];
    }
  }
}
