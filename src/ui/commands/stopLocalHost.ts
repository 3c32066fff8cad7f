import * as vscode from 'vscode';
import type { CommandContext } from './runCommand';

/** FPGA: Stop Local Host — services stop with it and come back when it starts again. */
export async function stopLocalHost(command: CommandContext): Promise<void> {
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Stopping the FPGA local service host…') },
    () => command.workspaces.localHost.stop(),
  );
}
