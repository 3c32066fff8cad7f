import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import { formatBytes } from '../../common/formatBytes';
import type { PackageResult } from '../../pipeline/packager';
import { PipelineInvalidError, packagePipelineFile } from '../../pipeline/packager';
import { getLog } from '../log';
import { revealFile } from '../revealFile';
import { PIPELINE_SUFFIX, modelDefPath } from '../templates/pipelineTemplate';
import type { CommandContext } from './runCommand';

const log = getLog('package');

export function isPipelineUri(uri: vscode.Uri): boolean {
  return uri.path.endsWith(PIPELINE_SUFFIX);
}

/**
 * The pipeline files to package: the Explorer's selection (the right-clicked file and the
 * other selected ones), the editor title's file, or, from the palette, the active editor.
 */
function targets(uri: unknown, selected: unknown): vscode.Uri[] | undefined {
  if (uri instanceof vscode.Uri) {
    const all = Array.isArray(selected) ? selected.filter((u): u is vscode.Uri => u instanceof vscode.Uri) : [];
    const chosen = all.some((u) => u.toString() === uri.toString()) ? all : [uri];
    return chosen.filter(isPipelineUri);
  }
  const document = vscode.window.activeTextEditor?.document;
  return document && isPipelineUri(document.uri) ? [document.uri] : undefined;
}

/** Packages what the user sees: unsaved edits are saved first. */
export async function saveIfDirty(uri: vscode.Uri): Promise<void> {
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (document?.isDirty && !(await document.save())) {
    throw new UserError(vscode.l10n.t('{0} could not be saved; save it, then package it again.', path.basename(uri.fsPath)));
  }
}

/** Puts the problems where the user fixes them: the file, at the first one, and the Problems view. */
export async function showProblems(command: CommandContext, uri: vscode.Uri, error: PipelineInvalidError): Promise<void> {
  const name = path.basename(uri.fsPath);
  // Warnings never stop packaging: the count names only what must be fixed.
  const count = error.problems.filter((p) => p.severity === 'error').length;
  log.warn(`${uri.fsPath} is not valid:\n${error.problems.map((p) => `  ${p.line}:${p.column} ${p.severity} ${p.message}`).join('\n')}`);
  command.diagnostics.publishPackageProblems(uri, error.problems);
  const first = error.problems.find((p) => p.severity === 'error') ?? error.problems[0];
  const editor = await vscode.window.showTextDocument(uri, { preview: false });
  if (first) {
    const range = new vscode.Range(editor.document.positionAt(first.offset), editor.document.positionAt(first.offset + first.length));
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
  await vscode.commands.executeCommand('workbench.actions.view.problems');
  void vscode.window.showWarningMessage(
    count === 1
      ? vscode.l10n.t('{0} has 1 error (listed in the Problems view as FPGA): fix it and package again.', name)
      : vscode.l10n.t('{0} has {1} errors (listed in the Problems view as FPGA): fix them and package again.', name, count),
  );
}

function announce(pipelineUri: vscode.Uri, result: PackageResult): void {
  const zipUri = vscode.Uri.file(result.outPath);
  const reveal = vscode.l10n.t('Reveal in Explorer');
  const packaged = vscode.l10n.t(
    'Packaged {0} → {1} ({2} entries, {3})',
    path.basename(pipelineUri.fsPath),
    path.basename(result.outPath),
    result.entries,
    formatBytes(result.bytes),
  );
  const warnings = result.warnings.length;
  const message =
    warnings === 0
      ? packaged
      : warnings === 1
        ? vscode.l10n.t('{0}, with 1 warning (see the Problems view).', packaged)
        : vscode.l10n.t('{0}, with {1} warnings (see the Problems view).', packaged, warnings);
  const deploy = vscode.l10n.t('Deploy…');
  void vscode.window.showInformationMessage(message, deploy, reveal).then(async (choice) => {
    if (choice === reveal) await revealFile(zipUri);
    if (choice === deploy) await vscode.commands.executeCommand('fpga.deploy', zipUri);
  });
}

/** Packages one pipeline; false when it has problems (they are shown, nothing is written). */
async function packageOne(command: CommandContext, uri: vscode.Uri): Promise<boolean> {
  if (uri.scheme !== 'file') {
    throw new UserError(vscode.l10n.t('{0} is not a file on this machine; save it to a folder first.', uri.toString()));
  }
  await saveIfDirty(uri);
  const name = path.basename(uri.fsPath);
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Packaging {0}…', name) },
      () => packagePipelineFile(uri.fsPath, modelDefPath(uri.fsPath)),
    );
    log.info(`${uri.fsPath} → ${result.outPath}: ${result.entries} entries, ${result.bytes} bytes, sha256 ${result.sha256}`);
    // Warnings do not stop packaging, but the user should still see them.
    if (result.warnings.length > 0) command.diagnostics.publishPackageProblems(uri, result.warnings);
    else command.diagnostics.refresh(uri);
    announce(uri, result);
    return true;
  } catch (error) {
    if (!(error instanceof PipelineInvalidError)) throw error;
    await showProblems(command, uri, error);
    return false;
  }
}

/** FPGA: Package Pipeline — writes `<name>.model_def.zip` beside each chosen `<name>.pipeline.json`. */
export async function packagePipeline(command: CommandContext, uri?: unknown, selected?: unknown): Promise<void> {
  const uris = targets(uri, selected);
  if (!uris || uris.length === 0) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('Open a *.pipeline.json file first, or right-click one in the Explorer and choose FPGA: Package Pipeline.'),
    );
    return;
  }
  for (const pipelineUri of uris) {
    if (!(await packageOne(command, pipelineUri))) return;
  }
}
