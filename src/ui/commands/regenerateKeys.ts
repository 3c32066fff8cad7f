import * as vscode from 'vscode';
import type { ServiceKeys } from '../../workspaces/workspace';
import type { CommandContext } from './runCommand';
import { serviceTarget } from './treeTargets';

/** FPGA: Regenerate Keys — one key at a time, so clients can move to the other key first. */
export async function regenerateKeys(command: CommandContext, node?: unknown): Promise<void> {
  const { workspace, service } = await serviceTarget(command, node, vscode.l10n.t('Service whose key to regenerate'));
  const items: (vscode.QuickPickItem & { key: keyof ServiceKeys })[] = [
    { label: vscode.l10n.t('Primary key'), description: vscode.l10n.t('the key Classify Image and Copy Primary Key use'), key: 'primary' },
    { label: vscode.l10n.t('Secondary key'), description: vscode.l10n.t('a spare key for rotating clients'), key: 'secondary' },
  ];
  const which = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Which key of {0} to regenerate?', service.name) });
  if (!which) return;
  const regenerate = vscode.l10n.t('Regenerate');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Regenerate the {0} of service "{1}"?', which.label.toLowerCase(), service.name),
    { modal: true, detail: vscode.l10n.t('Clients that use the current {0} stop working until they get the new one.', which.label.toLowerCase()) },
    regenerate,
  );
  if (choice !== regenerate) return;
  await workspace.regenerateKey(service.name, which.key);
  void vscode.window.showInformationMessage(vscode.l10n.t('The {0} of {1} was regenerated.', which.label.toLowerCase(), service.name));
}
