import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import { requireImages, scanDataset } from '../../training/dataset';
import { evaluateDataset, serviceScorer } from '../../training/evaluateDataset';
import type { DatasetEvaluation } from '../../training/evaluateDataset';
import { evaluationReport } from '../../training/report/reports';
import type { Workspace } from '../../workspaces/workspace';
import type { CommandContext } from '../commands/runCommand';
import { configuredModelStore } from '../modelStoreSetting';
import { ServiceNode } from '../tree/serviceNodes';
import { showReportPanel } from './reportPanel';
import { runEvaluation } from './trainProcess';

type Target = { kind: 'service'; workspace: Workspace; service: string; classes: number | null } | { kind: 'file'; uri: vscode.Uri };

function chooseTarget(arg: unknown): Target {
  if (arg instanceof ServiceNode) return { kind: 'service', workspace: arg.workspace, service: arg.service.name, classes: arg.service.classes };
  if (arg instanceof vscode.Uri && /(\.pipeline\.json|\.zip)$/i.test(arg.path)) return { kind: 'file', uri: arg };
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && active.path.endsWith('.pipeline.json')) return { kind: 'file', uri: active };
  throw new UserError(vscode.l10n.t('Evaluate on Folder works on a service in the FPGA view, or on a *.pipeline.json or model_def.zip: right-click one of them.'));
}

async function chooseFolder(): Promise<vscode.Uri> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: vscode.l10n.t('Evaluate on This Folder'),
    title: vscode.l10n.t('Folder with one subfolder of images per class, named as the model\'s labels'),
  });
  const folder = picked?.[0];
  if (!folder) throw new vscode.CancellationError();
  return folder;
}

/** A service is asked image by image from here (the one place this feature classifies through a workspace). */
async function evaluateService(target: Extract<Target, { kind: 'service' }>, folder: string, signal: AbortSignal, onProgress: (done: number, total: number) => void): Promise<DatasetEvaluation> {
  const dataset = await scanDataset(folder);
  requireImages(dataset);
  const scorer = serviceScorer(target.service, target.classes, async (image, top) => (await target.workspace.classify(target.service, image, { top, signal })).predictions);
  return evaluateDataset(dataset, scorer, { signal, onProgress: (p) => onProgress(p.done, p.total) });
}

/**
 * FPGA: Evaluate on Folder… — a service (from the FPGA view) or a pipeline / model_def.zip
 * (from the Explorer) on a folder of labelled images; opens the same report as training.
 * A file is evaluated by `fpga evaluate` in a child process, on the engines a service uses.
 */
export async function evaluateOnFolder(command: CommandContext, arg?: unknown): Promise<DatasetEvaluation> {
  const target = chooseTarget(arg);
  const folder = (await chooseFolder()).fsPath;
  const name = target.kind === 'service' ? target.service : path.basename(target.uri.fsPath);
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Evaluating {0} on {1}', name, path.basename(folder)), cancellable: true },
    async (progress, token) => {
      const stop = new AbortController();
      const subscription = token.onCancellationRequested(() => stop.abort());
      try {
        if (target.kind === 'service') {
          return await evaluateService(target, folder, stop.signal, (done, total) => progress.report({ message: vscode.l10n.t('{0} of {1} images', done, total) }));
        }
        const cliPath = vscode.Uri.joinPath(command.extensionUri, 'dist', 'cli.js').fsPath;
        const evaluation = await runEvaluation(cliPath, target.uri.fsPath, folder, configuredModelStore(), stop.signal);
        const paths = Object.fromEntries(evaluation.mistakes.map((m) => [m.image, path.join(folder, m.image)]));
        return { evaluation, paths, unknownClasses: [] };
      } catch (error) {
        if (stop.signal.aborted) throw new vscode.CancellationError();
        throw error;
      } finally {
        subscription.dispose();
      }
    },
  );
  showReportPanel(command.extensionUri, await evaluationReport(name, folder, target.kind === 'service' ? `service ${target.service}` : target.uri.fsPath, outcome));
  return outcome;
}
