import * as path from 'node:path';
import * as vscode from 'vscode';
import { failureKind } from '../classify/classifyFailure';
import { localClassifyEnvironment, workspaceClassifyEnvironment } from '../classify/classifyEnvironment';
import type { ClassifyEnvironment, ClassifyOutcome } from '../classify/classifyPanel';
import { showClassifyPanel } from '../classify/classifyPanel';
import { imagesToClassify } from '../classify/imageTargets';
import { NoHealthyServiceError, lastService, pickHealthyService, rememberService } from '../classify/pickService';
import { ServiceNode } from '../tree/serviceNodes';
import type { CommandContext } from './runCommand';

function offerDeploy(message: string): void {
  const deploy = vscode.l10n.t('Deploy…');
  void vscode.window.showInformationMessage(message, deploy).then(async (choice) => {
    if (choice === deploy) await vscode.commands.executeCommand('fpga.deploy');
  });
}

/**
 * The service to classify with, from the palette or the Explorer: a Healthy service of the
 * Local workspace (asked only when there are several). Undefined with the host down: the
 * panel then shows why and offers to start it, with the service used last.
 */
async function chooseService(command: CommandContext, environment: ClassifyEnvironment, imageName: string): Promise<{ service: string | undefined } | 'none'> {
  const workspace = await environment.workspace();
  if (!workspace) return { service: lastService(command.globalState) };
  try {
    const service = await pickHealthyService(workspace, command.globalState, { imageName });
    if (!service) throw new vscode.CancellationError();
    return { service };
  } catch (error) {
    if (error instanceof NoHealthyServiceError) {
      offerDeploy(error.message);
      return 'none';
    }
    if (failureKind(error) === 'hostDown') return { service: lastService(command.globalState) };
    throw error;
  }
}

/**
 * FPGA: Classify Image — from images or folders selected in the Explorer (several go into one
 * batch panel), the image preview's title bar, a service in the Workspaces view or the palette
 * (the image open in the editor, else a file dialog). Resolves with what the panel shows when
 * the classifications end, undefined when the user cancelled or nothing could classify:
 * integration tests read it through executeCommand.
 */
export async function classifyImage(command: CommandContext, target?: unknown, selected?: unknown): Promise<ClassifyOutcome | undefined> {
  const node = target instanceof ServiceNode ? target : undefined;
  const images = await imagesToClassify(node ? undefined : target, selected);
  const { extensionUri, globalState, workspaces } = command;
  if (node) {
    await rememberService(globalState, node.service.name);
    const environment = workspaces.isLocal(node.workspace)
      ? localClassifyEnvironment(extensionUri, globalState, workspaces)
      : workspaceClassifyEnvironment(extensionUri, globalState, workspaces, node.workspace);
    return showClassifyPanel(environment, { images, services: [node.service.name] });
  }
  const environment = localClassifyEnvironment(extensionUri, globalState, workspaces);
  const [first] = images;
  const imageName = images.length === 1 && first ? path.posix.basename(first.path) : vscode.l10n.t('{0} images', images.length);
  const choice = await chooseService(command, environment, imageName);
  if (choice === 'none') return undefined;
  return showClassifyPanel(environment, { images, services: choice.service ? [choice.service] : [] });
}
