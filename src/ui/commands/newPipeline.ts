import * as vscode from 'vscode';
import { FEATURIZERS } from '../../pipeline/featurizers';
import type { FeaturizerInfo } from '../../pipeline/featurizers';
import { weightsState } from '../../runtime/featurizers/storeStatus';
import { getLog } from '../log';
import { configuredModelStore } from '../modelStoreSetting';
import { orderByWeights, weightsDescription } from '../templates/featurizerChoice';
import { PIPELINE_SUFFIX, featurizerDetail, pipelineFilePath, pipelineNameFromFile, pipelineTemplateText, templatePipelineName } from '../templates/pipelineTemplate';

const log = getLog('new-pipeline');

/** Featurizers with real weights in the model store first: the pick pre-selects the first item. */
async function pickFeaturizer(): Promise<FeaturizerInfo> {
  const store = configuredModelStore();
  const items = orderByWeights(FEATURIZERS, (name) => weightsState(store, name)).map(({ featurizer, weights }) => ({
    label: featurizer.displayName,
    description: `${featurizer.name} · ${weightsDescription(weights, vscode.l10n.t)}`,
    detail: featurizerDetail(featurizer, vscode.l10n.t),
    featurizer,
  }));
  const choice = await vscode.window.showQuickPick(items, {
    placeHolder: vscode.l10n.t('Featurizer of the new pipeline (model store: {0})', store),
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!choice) throw new vscode.CancellationError();
  return choice.featurizer;
}

async function pickFile(featurizer: FeaturizerInfo): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const fileName = `${templatePipelineName(featurizer)}${PIPELINE_SUFFIX}`;
  const target = await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Save the new pipeline'),
    saveLabel: vscode.l10n.t('Create Pipeline'),
    filters: { [vscode.l10n.t('Pipeline files')]: ['json'] },
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, fileName) } : {}),
  });
  if (!target) throw new vscode.CancellationError();
  // Diagnostics, packaging and the Explorer menus all key on the suffix: exactly one, whatever the dialog appended.
  return target.with({ path: pipelineFilePath(target.path) });
}

/**
 * FPGA: New Pipeline from Template — a valid pipeline for the chosen featurizer, opened for
 * editing. A featurizer name as argument (the tree's "Open the example") skips the pick.
 * Resolves with the file written, which integration tests read through executeCommand.
 */
export async function newPipeline(_command: unknown, preset?: unknown): Promise<vscode.Uri> {
  const featurizer = FEATURIZERS.find((f) => f.name === preset) ?? (await pickFeaturizer());
  const target = await pickFile(featurizer);
  const name = pipelineNameFromFile(target.path, templatePipelineName(featurizer));
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(pipelineTemplateText(featurizer, name)));
  log.info(`wrote ${target.fsPath} (${featurizer.name})`);
  await vscode.window.showTextDocument(target, { preview: false });
  return target;
}
