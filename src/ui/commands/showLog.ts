import * as vscode from 'vscode';
import { showLogOutput } from '../log';
import { ServiceNode } from '../tree/serviceNodes';
import type { CommandContext } from './runCommand';

/** The last lines of a service's log a document shows: enough to find a failure, bounded. */
const TAIL_LINES = 2000;

/**
 * Opens the extension's log (the "FPGA Model Services" output channel); from a service's
 * node, that service's log in a read-only document: the local host's lines about it, or
 * the container log of an Azure deployment.
 */
export async function showLog(_command: CommandContext, node?: unknown): Promise<void> {
  if (!(node instanceof ServiceNode)) {
    showLogOutput();
    return;
  }
  const name = node.service.name;
  const text = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Reading the log of {0}…', name) },
    () => node.workspace.serviceLogs(name, { tail: TAIL_LINES }),
  );
  const lines = text === '' ? [] : text.split('\n');
  const header =
    lines.length === 0
      ? vscode.l10n.t('{0} in {1} has no log lines yet.', name, node.workspace.label)
      : vscode.l10n.t('The log of {0} in {1} (last {2} lines).', name, node.workspace.label, lines.length);
  const document = await vscode.workspace.openTextDocument({ content: [header, '', ...lines].join('\n'), language: 'log' });
  await vscode.window.showTextDocument(document, { preview: true });
}
