import * as vscode from 'vscode';
import { hostLogPath } from '../../workspaces/local/hostLog';
import { showLogOutput } from '../log';
import { ServiceNode } from '../tree/serviceNodes';
import type { CommandContext } from './runCommand';

/**
 * Opens the extension's log (the "FPGA Model Services" output channel); from a Local
 * service's node, that service's lines of the local host's log, `<state>/host.log` (its
 * loading, errors and requests), in a read-only document, or the whole host log when no
 * line names it yet.
 */
export async function showLog(command: CommandContext, node?: unknown): Promise<void> {
  if (!(node instanceof ServiceNode) || !command.workspaces.isLocal(node.workspace)) {
    showLogOutput();
    return;
  }
  const name = node.service.name;
  const lines = await command.workspaces.localHost.linesAbout(name);
  if (lines.length === 0) {
    command.workspaces.localHost.showLog();
    return;
  }
  const logPath = hostLogPath(command.workspaces.localHost.stateDir);
  const header = vscode.l10n.t('Lines of the local service host log that name {0} ({1} lines; the whole log is {2}).', name, lines.length, logPath);
  const document = await vscode.workspace.openTextDocument({ content: [header, '', ...lines].join('\n'), language: 'log' });
  await vscode.window.showTextDocument(document, { preview: true });
}
