import * as vscode from 'vscode';
import { getLog } from '../log';
import type { CommandContext } from './runCommand';

const log = getLog('commands');

/**
 * The handler of every command the manifest already contributes but this release does not
 * run yet: it says so, names the command and points at what does work today.
 */
export function comingSoon(command: CommandContext): void {
  log.info(`${command.id} was invoked; it arrives in a later release`);
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      'FPGA: {0} arrives in a later release of FPGA Model Services. Today the Local workspace deploys pipelines as services on this machine and classifies images with them: use Deploy on a *.pipeline.json file.',
      command.title,
    ),
  );
}
