import * as vscode from 'vscode';
import type { CommandContext } from './runCommand';
import { serviceTarget } from './treeTargets';

/** FPGA: Delete Service — after a modal confirmation naming it; the tree shows it Deleting until it is gone. */
export async function deleteService(command: CommandContext, node?: unknown): Promise<void> {
  const { workspace, service } = await serviceTarget(command, node, vscode.l10n.t('Service to delete'));
  const remove = vscode.l10n.t('Delete');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete service "{0}" from {1}?', service.name, workspace.label),
    { modal: true, detail: vscode.l10n.t('Clients calling {0} stop working. Its model stays registered.', service.scoring_uri) },
    remove,
  );
  if (choice !== remove) return;
  command.workspaces.markPending(workspace, service.name, 'Deleting');
  try {
    await workspace.deleteService(service.name);
  } finally {
    command.workspaces.clearPending(workspace, service.name);
  }
  void vscode.window.showInformationMessage(vscode.l10n.t('Service {0} deleted.', service.name));
}
