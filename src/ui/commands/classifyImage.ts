import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Workspace } from '../../workspaces/workspace';
import { failureKind } from '../classify/classifyFailure';
import type { ClassifyEnvironment, ClassifyOutcome } from '../classify/classifyPanel';
import { showClassifyPanel } from '../classify/classifyPanel';
import { NoHealthyServiceError, lastService, pickHealthyService, rememberService } from '../classify/pickService';
import { ServiceNode } from '../tree/serviceNodes';
import type { CommandContext } from './runCommand';

/** What the service host decodes (the Explorer menu's `when` clause lists the same). */
const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'bmp', 'gif', 'webp'];

async function askForImage(): Promise<vscode.Uri | undefined> {
  const [image] =
    (await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Classify Image'),
      openLabel: vscode.l10n.t('Classify'),
      canSelectMany: false,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      filters: { [vscode.l10n.t('Images')]: IMAGE_EXTENSIONS },
    })) ?? [];
  return image;
}

/**
 * The Local workspace if its host is running. Classifying does not start the host by
 * itself: when it is down the panel says so and offers Start Local Host.
 */
function localEnvironment(command: CommandContext): ClassifyEnvironment {
  return {
    extensionUri: command.extensionUri,
    memento: command.globalState,
    workspace: () => command.workspaces.localHost.attach(),
  };
}

function nodeEnvironment(command: CommandContext, workspace: Workspace): ClassifyEnvironment {
  return { extensionUri: command.extensionUri, memento: command.globalState, workspace: () => Promise.resolve(workspace) };
}

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
 * FPGA: Classify Image — from an image in the Explorer, a service in the Workspaces view or
 * the palette; opens (or reuses) the image's classify panel. Resolves with what the panel
 * shows when the classification ends (a result or an error), undefined when the user
 * cancelled or nothing could classify: integration tests read it through executeCommand.
 */
export async function classifyImage(command: CommandContext, target?: unknown): Promise<ClassifyOutcome | undefined> {
  const node = target instanceof ServiceNode ? target : undefined;
  const imageUri = target instanceof vscode.Uri ? target : await askForImage();
  if (!imageUri) return undefined;
  const imageName = path.posix.basename(imageUri.path);
  if (node) {
    await rememberService(command.globalState, node.service.name);
    // The Local workspace is looked up on every run: a node's copy goes stale when the host restarts.
    const environment = command.workspaces.isLocal(node.workspace) ? localEnvironment(command) : nodeEnvironment(command, node.workspace);
    return showClassifyPanel(environment, imageUri, node.service.name);
  }
  const environment = localEnvironment(command);
  const choice = await chooseService(command, environment, imageName);
  if (choice === 'none') return undefined;
  return showClassifyPanel(environment, imageUri, choice.service);
}
