import * as vscode from 'vscode';
import { showLogOutput } from '../log';
import { ServiceNode } from '../tree/serviceNodes';
import type { CommandContext } from './runCommand';

/**
 * Opens the extension's log (the "FPGA Model Services" output channel); from a Local
 * service's node, that service's lines of the local host's output (its loading, errors and
 * requests) in a read-only document, or the whole "FPGA Local Host" log when this window
 * did not start the host and so has none of them.
 */
export async function showLog(command: CommandContext, node?: unknown): Promise<void> {
  if (!(node instanceof ServiceNode) || !command.workspaces.isLocal(node.workspace)) {
    showLogOutput();
    return;
  }
  const name = node.service.name;
  const lines = command.workspaces.localHost.linesAbout(name);
  if (!lines) {
    command.workspaces.localHost.showLog();
    return;
  }
  const header = vscode.l10n.t('Lines of the FPGA Local Host log that name {0} ({1} lines; the whole log is in the Output view, FPGA Local Host).', name, lines.length);
  const document = await vscode.workspace.openTextDocument({ content: [header, '', ...lines].join('\n'), language: 'log' });
  await vscode.window.showTextDocument(document, { preview: true });
}
