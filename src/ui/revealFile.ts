import * as path from 'node:path';
import * as vscode from 'vscode';

/**
 * Shows a file where the user can reach it: in the Explorer when it is inside an open folder,
 * else in the operating system's file manager. A remote or web window (code-server, SSH,
 * Codespaces) has no `revealFileInOS`, so there the path is offered for the clipboard instead.
 */
export async function revealFile(uri: vscode.Uri): Promise<void> {
  if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  if ((await vscode.commands.getCommands(true)).includes('revealFileInOS')) {
    await vscode.commands.executeCommand('revealFileInOS', uri);
    return;
  }
  const copy = vscode.l10n.t('Copy Path');
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('{0} is at {1} on the machine the extension runs on; this window cannot open a file manager there.', path.basename(uri.fsPath), uri.fsPath),
    copy,
  );
  if (choice === copy) await vscode.env.clipboard.writeText(uri.fsPath);
}
