import * as vscode from 'vscode';
import { modelLabel } from '../tree/presentation';
import type { CommandContext } from './runCommand';
import { modelTarget } from './treeTargets';

/**
 * FPGA: Delete Model — after a modal confirmation. A model that a service still uses is
 * refused by the workspace; its message (which services) reaches the user through runCommand.
 */
export async function deleteModel(command: CommandContext, node?: unknown): Promise<void> {
  const { workspace, model } = await modelTarget(command, node, vscode.l10n.t('Model to delete'));
  const remove = vscode.l10n.t('Delete');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete model {0} from {1}?', modelLabel(model), workspace.label),
    { modal: true, detail: vscode.l10n.t('Its model_def.zip is removed from the workspace; the pipeline file it came from stays.') },
    remove,
  );
  if (choice !== remove) return;
  await workspace.deleteModel(model.id);
  command.workspaces.refresh();
  void vscode.window.showInformationMessage(vscode.l10n.t('Model {0} deleted.', modelLabel(model)));
}
