import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import { modelLabel } from '../tree/presentation';
import type { CommandContext } from './runCommand';
import { modelTarget } from './treeTargets';

/**
 * FPGA: Delete Model — unregisters a model from its workspace after a modal confirmation. A
 * model a service still runs is refused before anything is asked, naming the services.
 */
export async function deleteModel(command: CommandContext, node?: unknown): Promise<void> {
  const { workspace, model } = await modelTarget(command, node, vscode.l10n.t('Model to delete'));
  const users = (await command.workspaces.listServices(workspace)).filter((s) => s.model === model.id).map((s) => s.name);
  if (users.length > 0) {
    throw new UserError(
      vscode.l10n.t('Model {0} cannot be deleted: service {1} runs it. Delete the service first, then the model.', modelLabel(model), users.join(', ')),
    );
  }
  const remove = vscode.l10n.t('Delete');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete model {0} from {1}?', modelLabel(model), workspace.label),
    {
      modal: true,
      detail: vscode.l10n.t('The workspace forgets this registration and its stored copy of the zip. Your pipeline file and any model_def.zip in your folders stay as they are.'),
    },
    remove,
  );
  if (choice !== remove) return;
  await workspace.deleteModel(model.id);
  command.workspaces.refresh();
  void vscode.window.showInformationMessage(vscode.l10n.t('Model {0} deleted from {1}.', modelLabel(model), workspace.label));
}
