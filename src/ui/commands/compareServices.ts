import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import { LOCAL_WORKSPACE_ID } from '../../workspaces/local/localWorkspace';
import type { ServiceInfo, Workspace } from '../../workspaces/workspace';
import { classifyEnvironment } from '../classify/classifyEnvironment';
import type { ClassifyOutcome } from '../classify/classifyPanel';
import { showClassifyPanel } from '../classify/classifyPanel';
import { imagesToClassify } from '../classify/imageTargets';
import { lastService } from '../classify/pickService';
import { orderForPick, serviceCount, weightsLabel } from '../tree/presentation';
import type { CommandContext } from './runCommand';

interface Candidates {
  workspace: Workspace;
  healthy: ServiceInfo[];
}

/** The workspace whose services to compare: the one with two Healthy services, or the user's choice among several. */
async function pickWorkspace(command: CommandContext): Promise<Candidates> {
  const listed = await Promise.all(
    (await command.workspaces.deployTargets()).map(async (workspace): Promise<Candidates> => ({
      workspace,
      healthy: (await command.workspaces.listServices(workspace)).filter((s) => s.state === 'Healthy'),
    })),
  );
  const able = listed.filter((candidate) => candidate.healthy.length >= 2);
  const [only] = able;
  if (only && able.length === 1) return only;
  if (able.length === 0) {
    const counts = listed.map(({ workspace, healthy }) => `${workspace.label}: ${healthy.length}`).join(', ');
    throw new UserError(vscode.l10n.t('Comparing needs two Healthy services in one workspace ({0}): deploy another pipeline (another featurizer or precision), then compare.', counts));
  }
  const choice = await vscode.window.showQuickPick(
    able.map((candidate) => ({ label: candidate.workspace.label, description: serviceCount(candidate.healthy.length, vscode.l10n.t), candidate })),
    { placeHolder: vscode.l10n.t('Workspace whose services to compare') },
  );
  if (!choice) throw new vscode.CancellationError();
  return choice.candidate;
}

/** The services to compare: every Healthy one offered, the first two (real weights first) pre-checked. */
async function pickServices(command: CommandContext, imageName: string): Promise<{ workspace: Workspace; names: string[] }> {
  const { workspace, healthy: unordered } = await pickWorkspace(command);
  const healthy = orderForPick(unordered, lastService(command.globalState));
  const items = healthy.map((service, i) => ({
    label: service.name,
    description: [service.backend, service.precision, weightsLabel(service.synthetic, vscode.l10n.t)].filter(Boolean).join(' · '),
    picked: i < 2,
    name: service.name,
  }));
  const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: vscode.l10n.t('Compare services on {0}', imageName), placeHolder: vscode.l10n.t('Check the services to run side by side') });
  if (!picked || picked.length === 0) throw new vscode.CancellationError();
  return { workspace, names: picked.map((item) => item.name) };
}

/**
 * FPGA: Compare Services on Image — one image on several services side by side: top 5,
 * latency per stage, backend, precision and weights of each. `services` (integration tests)
 * skips the pick.
 */
export async function compareServices(command: CommandContext, target?: unknown, _selected?: unknown, services?: unknown): Promise<ClassifyOutcome | undefined> {
  const [image] = await imagesToClassify(target, undefined, false);
  if (!image) return undefined;
  // Integration tests name the services of the Local workspace.
  const chosen =
    Array.isArray(services) && services.every((s) => typeof s === 'string')
      ? { workspaceId: LOCAL_WORKSPACE_ID, names: services }
      : await pickServices(command, path.posix.basename(image.path)).then(({ workspace, names }) => ({ workspaceId: workspace.id, names }));
  const environment = classifyEnvironment(command.extensionUri, command.globalState, command.workspaces, chosen.workspaceId);
  return showClassifyPanel(environment, { images: [image], services: chosen.names, compare: true });
}
