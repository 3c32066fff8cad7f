import * as vscode from 'vscode';
import type { CommandContext } from './runCommand';
import { serviceTarget } from './treeTargets';

/** FPGA: Copy Primary Key — to the clipboard only: a key never appears in a toast or the log. */
export async function copyPrimaryKey(command: CommandContext, node?: unknown): Promise<void> {
  const { workspace, service } = await serviceTarget(command, node, vscode.l10n.t('Service whose primary key to copy'));
  const { primary } = await workspace.getKeys(service.name);
  await vscode.env.clipboard.writeText(primary);
  void vscode.window.showInformationMessage(vscode.l10n.t('Copied the primary key of {0} to the clipboard.', service.name));
}
