import * as vscode from 'vscode';
import type { CommandContext } from '../commands/runCommand';

/** FPGA: Start Local Host — starts (or adopts) the service host of the Local workspace. */
export async function startLocalHost(command: CommandContext): Promise<void> {
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Starting the FPGA local service host…') },
    () => command.localHost.start(),
  );
}
