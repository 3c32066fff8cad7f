import * as vscode from 'vscode';
import { formatBytes } from '../../common/formatBytes';
import { FEATURIZERS } from '../../pipeline/featurizers';
import { KERAS_WEIGHT_FILES } from '../../runtime/featurizers/kerasWeightFiles';
import { pullFeaturizer } from '../../runtime/featurizers/pull';
import { weightsState } from '../../runtime/featurizers/storeStatus';
import { getLog } from '../log';
import { configuredModelStore } from '../modelStoreSetting';
import type { CommandContext } from './runCommand';

const log = getLog('featurizers');

/** The featurizers with one official weight file, with what the store holds for each. */
async function pickFeaturizer(store: string): Promise<string> {
  const items = KERAS_WEIGHT_FILES.map((file) => {
    const info = FEATURIZERS.find((f) => f.name === file.featurizer);
    const state = weightsState(store, file.featurizer);
    return {
      label: info?.displayName ?? file.featurizer,
      description: state === 'present' ? vscode.l10n.t('weights present') : vscode.l10n.t('runs on generated weights now'),
      detail: file.url,
      name: file.featurizer,
    };
  });
  const choice = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Featurizer whose official ImageNet weights to download into {0}', store) });
  if (!choice) throw new vscode.CancellationError();
  return choice.name;
}

/**
 * FPGA: Pull Featurizer Weights — the official Keras file into the model store, with progress,
 * resumed if an earlier pull was cut and checked against the published hash. Services deployed
 * afterwards run the real weights (running ones keep what they loaded).
 */
export async function pullFeaturizerWeights(_command: CommandContext, preset?: unknown): Promise<void> {
  const store = configuredModelStore();
  const name = typeof preset === 'string' ? preset : await pickFeaturizer(store);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading {0} weights', name) },
    async (progress) => {
      let reported = 0;
      return pullFeaturizer(name, {
        store,
        onProgress: ({ received, total }) => {
          if (!total) return progress.report({ message: formatBytes(received) });
          const percent = Math.floor((received / total) * 100);
          progress.report({ increment: percent - reported, message: `${formatBytes(received)} / ${formatBytes(total)}` });
          reported = percent;
        },
      });
    },
  );
  log.info(`${name}: ${result.status} ${result.file} (${result.size} bytes, sha256 ${result.sha256})`);
  void vscode.window.showInformationMessage(
    result.status === 'present'
      ? vscode.l10n.t('{0} weights are already in the model store and verified.', name)
      : vscode.l10n.t('Downloaded and verified {0} weights ({1}). Deploy again to use them.', name, formatBytes(result.size)),
  );
}
