import * as vscode from 'vscode';
import { messageOf } from '../../common/errors';
import type { ModelInfo, Workspace } from '../../workspaces/workspace';
import { ErrorNode, MessageNode } from './messageNodes';
import { MODEL_CONTEXT, modelDescription, modelLabel, modelTooltip, sortModels } from './presentation';
import type { TreeNode } from './treeNode';

/** The featurizer whose real weights every model store can hold (a few MB). */
const EXAMPLE_FEATURIZER = 'mobilenet_v1_0.75';

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
    item.contextValue = 'models';
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    try {
      const models = sortModels(await this.workspace.listModels());
      if (models.length === 0) return gettingStarted();
      return models.map((model) => new ModelNode(this.workspace, model, this.idPrefix));
    } catch (error) {
      return [new ErrorNode(messageOf(error), this)];
    }
  }
}

/** What an empty workspace offers: a pipeline to start from, as the welcome of an empty view would. */
function gettingStarted(): TreeNode[] {
  return [
    new MessageNode(vscode.l10n.t('Create a pipeline from a template'), 'new-file', { command: 'fpga.newPipeline', title: vscode.l10n.t('New Pipeline from Template') }),
    new MessageNode(
      vscode.l10n.t('Open the example (MobileNet v1, real weights)'),
      'lightbulb',
      { command: 'fpga.newPipeline', title: vscode.l10n.t('New Pipeline from Template'), arguments: [EXAMPLE_FEATURIZER] },
      vscode.l10n.t('Writes a MobileNet v1 0.75 pipeline you can deploy at once: its weights are small enough for any model store.'),
    ),
  ];
}
