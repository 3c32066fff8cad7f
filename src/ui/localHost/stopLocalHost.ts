import * as vscode from 'vscode';
import { serviceCount } from '../tree/presentation';
import type { CommandContext } from '../commands/runCommand';

/**
 * FPGA: Stop Local Host — asks first when services are running (their clients stop getting
 * answers); they come back, with the same keys, when the host starts again.
 */
export async function stopLocalHost(command: CommandContext): Promise<void> {
  const workspace = await command.localHost.attach();
  const running = workspace ? (await command.workspaces.listServices(workspace)).filter((s) => s.state !== 'Failed').length : 0;
  if (running > 0) {
    const stop = vscode.l10n.t('Stop Host');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Stop the local service host and its {0}?', serviceCount(running, vscode.l10n.t)),
      { modal: true, detail: vscode.l10n.t('Clients calling them get no answer until the host starts again; the services then come back with the same keys.') },
      stop,
    );
    if (choice !== stop) return;
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Stopping the FPGA local service host…') },
    () => command.localHost.stop(),
  );
  void vscode.window.showInformationMessage(
    running > 0
      ? vscode.l10n.t('The local service host stopped, and with it {0}; they come back when it starts again.', serviceCount(running, vscode.l10n.t))
      : vscode.l10n.t('The local service host stopped.'),
  );
}
