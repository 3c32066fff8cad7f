import * as vscode from 'vscode';
import type { CommandContext } from './runCommand';
import { serviceTarget } from './treeTargets';

/** FPGA: Copy Secondary Key — the spare key clients move to while the primary one is regenerated. */
export async function copySecondaryKey(command: CommandContext, node?: unknown): Promise<void> {
  const { workspace, service } = await serviceTarget(command, node, vscode.l10n.t('Service whose secondary key to copy'));
  const { secondary } = await workspace.getKeys(service.name);
  await vscode.env.clipboard.writeText(secondary);
  void vscode.window.showInformationMessage(vscode.l10n.t('Copied the secondary key of {0} to the clipboard.', service.name));
}
