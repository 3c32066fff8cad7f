import * as path from 'node:path';
import * as vscode from 'vscode';
import { FEATURIZERS } from '../../pipeline/featurizers';
import type { FeaturizerInfo } from '../../pipeline/featurizers';
import { getLog } from '../log';
import { PIPELINE_SUFFIX, featurizerDetail, pipelineTemplateText, templatePipelineName } from '../templates/pipelineTemplate';

const log = getLog('new-pipeline');

async function pickFeaturizer(): Promise<FeaturizerInfo> {
  const items = FEATURIZERS.map((featurizer) => ({
    label: featurizer.displayName,
    description: featurizer.name,
    detail: featurizerDetail(featurizer, vscode.l10n.t),
    featurizer,
  }));
  const choice = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Featurizer of the new pipeline'), matchOnDetail: true });
  if (!choice) throw new vscode.CancellationError();
  return choice.featurizer;
}

async function pickFile(featurizer: FeaturizerInfo): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const fileName = `${templatePipelineName(featurizer)}${PIPELINE_SUFFIX}`;
  const target = await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Save the new pipeline'),
    saveLabel: vscode.l10n.t('Create Pipeline'),
    filters: { [vscode.l10n.t('Pipeline files')]: ['pipeline.json'] },
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, fileName) } : {}),
  });
  if (!target) throw new vscode.CancellationError();
  // Diagnostics, packaging and the Explorer menus all key on the suffix, so make sure it is there.
  return target.path.endsWith(PIPELINE_SUFFIX) ? target : target.with({ path: `${target.path.replace(/\.json$/, '')}${PIPELINE_SUFFIX}` });
}

/**
 * FPGA: New Pipeline from Template — a valid pipeline for the chosen featurizer, opened for
 * editing. A featurizer name as argument (the tree's "Open the example") skips the pick.
 */
export async function newPipeline(_command: unknown, preset?: unknown): Promise<void> {
  const featurizer = FEATURIZERS.find((f) => f.name === preset) ?? (await pickFeaturizer());
  const target = await pickFile(featurizer);
  // The file name (without the suffix) names the pipeline when it is a valid name; else the featurizer's default.
  const stem = path.posix.basename(target.path).slice(0, -PIPELINE_SUFFIX.length);
  const name = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(stem) ? stem : templatePipelineName(featurizer);
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(pipelineTemplateText(featurizer, name)));
  log.info(`wrote ${target.fsPath} (${featurizer.name})`);
  await vscode.window.showTextDocument(target, { preview: false });
}
