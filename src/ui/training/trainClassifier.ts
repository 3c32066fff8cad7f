import * as path from 'node:path';
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { FEATURIZERS, findFeaturizer } from '../../pipeline/featurizers';
import type { FeaturizerInfo } from '../../pipeline/featurizers';
import { weightsState } from '../../runtime/featurizers/storeStatus';
import { DEFAULT_HEAD_OPTIONS, TRAINING_RECORD_FILE } from '../../training/headOptions';
import { trainingReport } from '../../training/report/reports';
import type { TrainEvent, TrainResult, TrainingRecord } from '../../training/trainClassifier';
import type { CommandContext } from '../commands/runCommand';
import { getLog } from '../log';
import { configuredModelStore } from '../modelStoreSetting';
import { orderByWeights, weightsDescription } from '../templates/featurizerChoice';
import { featurizerDetail } from '../templates/pipelineTemplate';
import { showReportPanel } from './reportPanel';
import { runTraining } from './trainProcess';

const log = getLog('train');

/** Step 1: the Explorer's folder, else a folder dialog. */
async function chooseDataset(arg: unknown): Promise<vscode.Uri> {
  if (arg instanceof vscode.Uri) return arg;
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: vscode.l10n.t('Train on This Folder'),
    title: vscode.l10n.t('Folder with one subfolder of images per class'),
  });
  const folder = picked?.[0];
  if (!folder) throw new vscode.CancellationError();
  return folder;
}

/** Step 2: the featurizer, those with real weights first (generated weights learn nothing real). */
async function pickFeaturizer(store: string): Promise<FeaturizerInfo> {
  const items = orderByWeights(FEATURIZERS, (name) => weightsState(store, name)).map(({ featurizer, weights }) => ({
    label: featurizer.displayName,
    description: `${featurizer.name} · ${weightsDescription(weights, vscode.l10n.t)}`,
    detail: featurizerDetail(featurizer, vscode.l10n.t),
    featurizer,
  }));
  const choice = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Featurizer whose features the classifier learns from'), matchOnDescription: true });
  if (!choice) throw new vscode.CancellationError();
  return choice.featurizer;
}

/** Step 3: epochs. */
async function askEpochs(): Promise<number> {
  const value = await vscode.window.showInputBox({
    prompt: vscode.l10n.t('Epochs: passes over the training images'),
    value: String(DEFAULT_HEAD_OPTIONS.epochs),
    validateInput: (text) => (/^[1-9]\d{0,4}$/.test(text.trim()) ? undefined : vscode.l10n.t('A whole number from 1 to 99999')),
  });
  if (value === undefined) throw new vscode.CancellationError();
  return Number(value.trim());
}

function progressMessage(event: TrainEvent): string | undefined {
  switch (event.type) {
    case 'features':
      return vscode.l10n.t('features {0}/{1} ({2} from the cache)', event.progress.done, event.progress.total, event.progress.cached);
    case 'epoch': {
      const s = event.stats;
      const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;
      return s.validation_accuracy !== undefined
        ? vscode.l10n.t('epoch {0}/{1}: loss {2}, accuracy {3}, validation {4}', s.epoch, event.epochs, s.loss.toFixed(3), percent(s.accuracy), percent(s.validation_accuracy))
        : vscode.l10n.t('epoch {0}/{1}: loss {2}, accuracy {3}', s.epoch, event.epochs, s.loss.toFixed(3), percent(s.accuracy));
    }
    default:
      return undefined;
  }
}

/**
 * FPGA: Train Classifier from Folder… — runs `fpga train` on the folder with a cancellable
 * notification showing loss and accuracy, then opens the report (with Open Pipeline and
 * Deploy). Resolves with the training result (undefined when cancelled before any choice).
 */
export async function trainClassifier(command: CommandContext, arg?: unknown, _selected?: unknown, options?: unknown): Promise<TrainResult> {
  const dataset = await chooseDataset(arg);
  const store = configuredModelStore();
  // Scripts and tests may answer the questions: executeCommand('fpga.trainClassifier', folder, undefined, { featurizer, epochs }).
  const given = (options ?? {}) as { featurizer?: unknown; epochs?: unknown };
  const named = typeof given.featurizer === 'string' ? findFeaturizer(given.featurizer) : undefined;
  const featurizer = named ?? (await pickFeaturizer(store));
  const epochs = typeof given.epochs === 'number' && Number.isInteger(given.epochs) && given.epochs > 0 ? given.epochs : await askEpochs();
  const cliPath = vscode.Uri.joinPath(command.extensionUri, 'dist', 'cli.js').fsPath;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Training on {0}', path.basename(dataset.fsPath)), cancellable: true },
    async (progress, token) => {
      const stop = new AbortController();
      const subscription = token.onCancellationRequested(() => stop.abort());
      let epochsDone = 0;
      try {
        return await runTraining(
          { cliPath, dataset: dataset.fsPath, featurizer: featurizer.name, epochs, modelStore: store },
          (event) => {
            const message = progressMessage(event);
            const increment = event.type === 'epoch' ? ((event.stats.epoch - epochsDone) / event.epochs) * 100 : undefined;
            if (event.type === 'epoch') epochsDone = event.stats.epoch;
            if (message) progress.report({ message, ...(increment !== undefined ? { increment } : {}) });
          },
          stop.signal,
        );
      } finally {
        subscription.dispose();
      }
    },
  );
  log.info(`trained ${result.pipeline}: validation accuracy ${result.validation_accuracy ?? 'n/a'}, ${result.features_computed} features computed, ${result.features_cached} cached`);
  const record = JSON.parse(await readFile(path.join(path.dirname(result.pipeline), TRAINING_RECORD_FILE), 'utf8')) as TrainingRecord;
  showReportPanel(command.extensionUri, await trainingReport(record), vscode.Uri.file(result.pipeline));
  if (result.stopped) void vscode.window.showInformationMessage(vscode.l10n.t('Training stopped after epoch {0}; the pipeline keeps epoch {1}, the best so far.', result.epochs, result.best_epoch));
  return result;
}
