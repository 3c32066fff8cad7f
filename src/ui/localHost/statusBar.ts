import * as vscode from 'vscode';
import { getLog } from '../log';
import { serviceCount } from '../tree/presentation';
import type { WorkspaceRegistry } from '../workspaceRegistry';
import type { LocalHost } from './localHost';

/** Internal: the status bar item's menu. Not contributed, so it stays out of the palette. */
const MENU_COMMAND = 'fpga.localHost.statusMenu';
const log = getLog('status-bar');

/** "$(server-process) FPGA: 2 services" or "FPGA host stopped"; a click offers start/stop and the host log. */
export function registerLocalHostStatusBar(context: vscode.ExtensionContext, registry: WorkspaceRegistry, host: LocalHost): void {
  const item = vscode.window.createStatusBarItem('fpga.localHost', vscode.StatusBarAlignment.Left, 10);
  item.name = vscode.l10n.t('FPGA Local Host');
  item.command = MENU_COMMAND;
  let count: number | undefined;

  const render = (): void => {
    item.backgroundColor = undefined;
    if (host.state === 'running') {
      item.text = count === undefined ? '$(server-process) FPGA' : `$(server-process) ${vscode.l10n.t('FPGA: {0}', serviceCount(count, vscode.l10n.t))}`;
      item.tooltip = vscode.l10n.t('The local service host is running. Click to stop it or show its log.');
    } else if (host.state === 'starting') {
      item.text = `$(loading~spin) ${vscode.l10n.t('FPGA host starting…')}`;
      item.tooltip = vscode.l10n.t('The local service host is starting.');
    } else {
      item.text = `$(server-process) ${vscode.l10n.t('FPGA host stopped')}`;
      item.tooltip = host.exitReason
        ? vscode.l10n.t('The local service host exited ({0}). Click to start it or show its log.', host.exitReason)
        : vscode.l10n.t('The local service host is not running. Click to start it.');
      // An exit nobody asked for deserves attention; a stop the user chose does not.
      if (host.exitReason) item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
    item.show();
  };

  const recount = async (): Promise<void> => {
    const workspace = host.workspace;
    if (!workspace) {
      count = undefined;
      render();
      return;
    }
    try {
      await registry.listServices(workspace);
    } catch (error) {
      log.debug(`cannot count the local services: ${String(error)}`);
    }
  };

  context.subscriptions.push(
    item,
    registry.onDidLoadServices(({ workspace, services }) => {
      if (workspace.kind !== 'local') return;
      count = services.length;
      render();
    }),
    registry.onDidChange(() => {
      render();
      void recount();
    }),
    vscode.commands.registerCommand(MENU_COMMAND, () => showMenu(host)),
  );
  render();
  // A host left running by another window is adopted, so the count is right from the start.
  void host.attach().then(recount, (error: unknown) => log.debug(`no local service host to adopt: ${String(error)}`));
}

async function showMenu(host: LocalHost): Promise<void> {
  const running = host.state !== 'stopped';
  const items: (vscode.QuickPickItem & { command: string })[] = [
    running
      ? { label: `$(debug-stop) ${vscode.l10n.t('Stop Local Host')}`, command: 'fpga.stopLocalHost' }
      : { label: `$(play) ${vscode.l10n.t('Start Local Host')}`, command: 'fpga.startLocalHost' },
    { label: `$(output) ${vscode.l10n.t('Show Host Log')}`, command: 'fpga.localHost.showLog' },
  ];
  const choice = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('FPGA local service host') });
  if (!choice) return;
  if (choice.command === 'fpga.localHost.showLog') host.showLog();
  else await vscode.commands.executeCommand(choice.command);
}
