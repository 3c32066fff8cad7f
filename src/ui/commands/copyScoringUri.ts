import * as vscode from 'vscode';
import type { CommandContext } from './runCommand';
import { serviceTarget } from './treeTargets';

/** FPGA: Copy Scoring URI — the service's Open Inference Protocol infer endpoint. */
export async function copyScoringUri(command: CommandContext, node?: unknown): Promise<void> {
  const { service } = await serviceTarget(command, node, vscode.l10n.t('Service whose scoring URI to copy'));
  await vscode.env.clipboard.writeText(service.scoring_uri);
  void vscode.window.showInformationMessage(vscode.l10n.t('Copied the scoring URI of {0}: {1}', service.name, service.scoring_uri));
}
