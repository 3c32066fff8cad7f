import * as path from 'node:path';
import * as vscode from 'vscode';
import { failureKind } from '../classify/classifyFailure';
import { LOCAL_WORKSPACE_ID } from '../../workspaces/local/localWorkspace';
import { classifyEnvironment } from '../classify/classifyEnvironment';
import type { ClassifyOutcome } from '../classify/classifyPanel';
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
 * The service to classify with, from the palette or the Explorer: a Healthy service of any
 * workspace (asked only when there are several). With no workspace answering, the Local
 * workspace's panel shows why and offers its remedy, with the service used last.
 */
async function chooseService(command: CommandContext, imageName: string): Promise<{ workspaceId: string; service: string | undefined } | 'none'> {
  const fallback = { workspaceId: LOCAL_WORKSPACE_ID, service: lastService(command.globalState) };
  try {
    const picked = await pickHealthyService(await command.workspaces.deployTargets(), command.globalState, { imageName });
    if (!picked) throw new vscode.CancellationError();
    return { workspaceId: picked.workspace.id, service: picked.name };
  } catch (error) {
    if (error instanceof NoHealthyServiceError) {
      offerDeploy(error.message);
      return 'none';
    }
    if (failureKind(error) === 'hostDown') return fallback;
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
    const environment = classifyEnvironment(extensionUri, globalState, workspaces, node.workspace.id);
    return showClassifyPanel(environment, { images, services: [node.service.name] });
  }
  const [first] = images;
  const imageName = images.length === 1 && first ? path.posix.basename(first.path) : vscode.l10n.t('{0} images', images.length);
  const choice = await chooseService(command, imageName);
  if (choice === 'none') return undefined;
  const environment = classifyEnvironment(extensionUri, globalState, workspaces, choice.workspaceId);
  return showClassifyPanel(environment, { images, services: choice.service ? [choice.service] : [] });
}
