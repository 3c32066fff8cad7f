import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import { activeImage } from '../classify/imageTargets';
import type { SampleLanguage } from '../sampleRequest';
import { sampleRequest } from '../sampleRequest';
import type { CommandContext } from './runCommand';
import { serviceTarget } from './treeTargets';

/**
 * FPGA: Copy Sample Request — a curl command or a Python script that calls the service from
 * outside VS Code: its real infer URL, its key in the Authorization header, an image as an Open
 * Inference Protocol BYTES input and the classification extension for the top 5. The key goes
 * to the clipboard only, never to a toast or the log. Resolves with the text (integration tests read it).
 */
export async function copySampleRequest(command: CommandContext, node?: unknown, language?: unknown): Promise<string | undefined> {
  const { workspace, service } = await serviceTarget(command, node, vscode.l10n.t('Service to call from outside VS Code'));
  if (service.state !== 'Healthy') {
    throw new UserError(vscode.l10n.t('Service {0} is {1}, so a request would fail: wait until it is Healthy or deploy it again.', service.name, service.state));
  }
  let chosen: SampleLanguage | undefined = language === 'curl' || language === 'python' ? language : undefined;
  if (!chosen) {
    const picked = await vscode.window.showQuickPick(
      [
        { label: 'curl', description: vscode.l10n.t('a shell command (bash, zsh)'), language: 'curl' as const },
        { label: 'Python', description: vscode.l10n.t('Python 3, standard library only'), language: 'python' as const },
      ],
      { placeHolder: vscode.l10n.t('Sample request for {0} in', service.name) },
    );
    if (!picked) return undefined;
    chosen = picked.language;
  }
  const { primary } = await workspace.getKeys(service.name);
  const top = vscode.workspace.getConfiguration().get<number>('fpga.defaultTopK') ?? 5;
  // The image open in the editor, if any, so the sample runs as pasted.
  const open = activeImage();
  const imagePath = open?.scheme === 'file' ? open.fsPath : undefined;
  const text = sampleRequest(chosen, { service, workspaceLabel: workspace.label, key: primary, top, ...(imagePath ? { imagePath } : {}) });
  await vscode.env.clipboard.writeText(text);
  void vscode.window.showInformationMessage(
    imagePath
      ? vscode.l10n.t('Copied a {0} request to {1} with its key, sending {2}. Paste it into a terminal or a file.', chosen === 'curl' ? 'curl' : 'Python', service.name, path.basename(imagePath))
      : vscode.l10n.t('Copied a {0} request to {1} with its key; set IMAGE to your photo, then run it.', chosen === 'curl' ? 'curl' : 'Python', service.name),
  );
  return text;
}
