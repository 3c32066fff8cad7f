import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { ModelInfo, ServiceInfo, Workspace } from '../../workspaces/workspace';
import { ModelNode } from '../tree/modelNodes';
import { modelDescription, modelLabel, serviceDescription, sortModels, sortServices } from '../tree/presentation';
import { ServiceNode } from '../tree/serviceNodes';
import type { CommandContext } from './runCommand';

/** A service and the workspace it lives in: what a ServiceNode carries, or what a quick pick chose. */
export interface ServiceTarget {
  readonly workspace: Workspace;
  readonly service: ServiceInfo;
}

export interface ModelTarget {
  readonly workspace: Workspace;
  readonly model: ModelInfo;
}

/** The service a node-only command acts on: its tree node, or (from the palette) a quick pick. */
export async function serviceTarget(command: CommandContext, node: unknown, placeHolder: string): Promise<ServiceTarget> {
  if (node instanceof ServiceNode) return node;
  return pickService(command, placeHolder);
}

/** Names the workspace beside each item only when there are several to tell apart. */
function workspaceNote(workspace: Workspace, several: boolean, detail: string): string {
  return several ? `${workspace.label} · ${detail}` : detail;
}

/** Asks which service, of every workspace that can be listed; throws CancellationError on Escape. */
export async function pickService(command: CommandContext, placeHolder: string, filter?: (service: ServiceInfo) => boolean): Promise<ServiceTarget> {
  const workspaces = await command.workspaces.deployTargets();
  const listed = await Promise.all(
    workspaces.map(async (workspace) => sortServices(await command.workspaces.listServices(workspace)).map((service): ServiceTarget => ({ workspace, service }))),
  );
  const targets = listed.flat().filter(({ service }) => !filter || filter(service));
  if (targets.length === 0) throw new UserError(vscode.l10n.t('No services are deployed in {0}: deploy a pipeline first.', workspaces.map((w) => w.label).join(', ')));
  const several = workspaces.length > 1;
  const items = targets.map((target) => ({
    label: target.service.name,
    description: workspaceNote(target.workspace, several, target.service.state),
    detail: serviceDescription(target.service),
    target,
  }));
  const choice = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true });
  if (!choice) throw new vscode.CancellationError();
  return choice.target;
}

export async function modelTarget(command: CommandContext, node: unknown, placeHolder: string): Promise<ModelTarget> {
  if (node instanceof ModelNode) return node;
  const workspaces = await command.workspaces.deployTargets();
  const listed = await Promise.all(workspaces.map(async (workspace) => sortModels(await workspace.listModels()).map((model): ModelTarget => ({ workspace, model }))));
  const targets = listed.flat();
  if (targets.length === 0) throw new UserError(vscode.l10n.t('No models are registered in {0}: deploy a pipeline first.', workspaces.map((w) => w.label).join(', ')));
  const several = workspaces.length > 1;
  const items = targets.map((target) => ({ label: modelLabel(target.model), description: workspaceNote(target.workspace, several, modelDescription(target.model)), target }));
  const choice = await vscode.window.showQuickPick(items, { placeHolder });
  if (!choice) throw new vscode.CancellationError();
  return choice.target;
}
