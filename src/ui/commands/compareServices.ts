import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import { localClassifyEnvironment } from '../classify/classifyEnvironment';
import type { ClassifyOutcome } from '../classify/classifyPanel';
import { showClassifyPanel } from '../classify/classifyPanel';
import { imagesToClassify } from '../classify/imageTargets';
import { lastService } from '../classify/pickService';
import { orderForPick, weightsLabel } from '../tree/presentation';
import type { CommandContext } from './runCommand';

/** The services to compare: every Healthy one offered, the first two (real weights first) pre-checked. */
async function pickServices(command: CommandContext, imageName: string): Promise<string[]> {
  const workspace = await command.workspaces.localHost.attach();
  if (!workspace) throw new UserError(vscode.l10n.t('The local service host is not running: start it (FPGA: Start Local Host), then compare.'));
  const healthy = orderForPick(
    (await command.workspaces.listServices(workspace)).filter((s) => s.state === 'Healthy'),
    lastService(command.globalState),
  );
  if (healthy.length < 2) {
    throw new UserError(
      vscode.l10n.t('Comparing needs two Healthy services and {0} has {1}: deploy another pipeline (another featurizer or precision), then compare.', workspace.label, healthy.length),
    );
  }
  const items = healthy.map((service, i) => ({
    label: service.name,
    description: [service.backend, service.precision, weightsLabel(service.synthetic, vscode.l10n.t)].filter(Boolean).join(' · '),
    picked: i < 2,
    name: service.name,
  }));
  const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: vscode.l10n.t('Compare services on {0}', imageName), placeHolder: vscode.l10n.t('Check the services to run side by side') });
  if (!picked || picked.length === 0) throw new vscode.CancellationError();
  return picked.map((item) => item.name);
}

/**
 * FPGA: Compare Services on Image — one image on several services side by side: top 5,
 * latency per stage, backend, precision and weights of each. `services` (integration tests)
 * skips the pick.
 */
export async function compareServices(command: CommandContext, target?: unknown, _selected?: unknown, services?: unknown): Promise<ClassifyOutcome | undefined> {
  const [image] = await imagesToClassify(target, undefined, false);
  if (!image) return undefined;
  const chosen = Array.isArray(services) && services.every((s) => typeof s === 'string') ? services : await pickServices(command, path.posix.basename(image.path));
  const environment = localClassifyEnvironment(command.extensionUri, command.globalState, command.workspaces);
  return showClassifyPanel(environment, { images: [image], services: chosen, compare: true });
}
