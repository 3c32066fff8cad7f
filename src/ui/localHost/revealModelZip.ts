import { join } from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import { revealFile } from '../revealFile';
import type { CommandContext } from '../commands/runCommand';
import { modelTarget } from '../commands/treeTargets';

/** FPGA: Reveal Model Zip — the workspace's stored copy of the model's zip, in the local host's state folder. */
export async function revealModelZip(command: CommandContext, node?: unknown): Promise<void> {
  const { workspace, model } = await modelTarget(command, node, vscode.l10n.t('Model whose zip to reveal'));
  // Only the Local provider keeps its zips on this machine (its menu shows this on Local models only).
  if (workspace.kind !== 'local' || model.sha256 === null) {
    throw new UserError(vscode.l10n.t('The zips of {0} are not on this machine.', workspace.label));
  }
  const zip = vscode.Uri.file(join(command.localHost.stateDir, 'models', `${model.sha256}.zip`));
  await revealFile(zip);
}
