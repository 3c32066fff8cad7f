import * as vscode from 'vscode';
import type { ServiceKeys } from '../../workspaces/workspace';
import type { CommandContext } from './runCommand';
import { serviceTarget } from './treeTargets';

/** FPGA: Regenerate Keys — one key at a time, so clients can move to the other key first. */
export async function regenerateKeys(command: CommandContext, node?: unknown): Promise<void> {
  const { workspace, service } = await serviceTarget(command, node, vscode.l10n.t('Service whose key to regenerate'));
  const items: (vscode.QuickPickItem & { key: keyof ServiceKeys })[] = [
    { label: vscode.l10n.t('Primary key'), description: vscode.l10n.t('the key Classify Image and Copy Sample Request use'), key: 'primary' },
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
  const keys = await workspace.regenerateKey(service.name, which.key);
  // Rotation ends with the new key in the clients: offer it at once (to the clipboard only).
  const copy = vscode.l10n.t('Copy New Key');
  const answer = await vscode.window.showInformationMessage(
    vscode.l10n.t('The {0} of {1} was regenerated; give the new one to its clients.', which.label.toLowerCase(), service.name),
    copy,
  );
  if (answer !== copy) return;
  await vscode.env.clipboard.writeText(keys[which.key]);
  vscode.window.setStatusBarMessage(vscode.l10n.t('$(check) New {0} of {1} copied', which.label.toLowerCase(), service.name), 3000);
}
