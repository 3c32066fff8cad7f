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

/** Asks which service of the Local workspace; throws CancellationError on Escape. */
export async function pickService(command: CommandContext, placeHolder: string, filter?: (service: ServiceInfo) => boolean): Promise<ServiceTarget> {
  const workspace = await command.workspaces.getLocalWorkspace();
  const services = sortServices(await command.workspaces.listServices(workspace)).filter((s) => !filter || filter(s));
  if (services.length === 0) throw new UserError(vscode.l10n.t('No services are deployed in {0}: deploy a pipeline first.', vscode.l10n.t('Local (this machine)')));
  const items = services.map((service) => ({ label: service.name, description: service.state, detail: serviceDescription(service), service }));
  const choice = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true });
  if (!choice) throw new vscode.CancellationError();
  return { workspace, service: choice.service };
}

export async function modelTarget(command: CommandContext, node: unknown, placeHolder: string): Promise<ModelTarget> {
  if (node instanceof ModelNode) return node;
  const workspace = await command.workspaces.getLocalWorkspace();
  const models = sortModels(await workspace.listModels());
  if (models.length === 0) throw new UserError(vscode.l10n.t('No models are registered in {0}: deploy a pipeline first.', vscode.l10n.t('Local (this machine)')));
  const items = models.map((model) => ({ label: modelLabel(model), description: modelDescription(model), model }));
  const choice = await vscode.window.showQuickPick(items, { placeHolder });
  if (!choice) throw new vscode.CancellationError();
  return { workspace, model: choice.model };
}
