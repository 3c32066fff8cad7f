import * as vscode from 'vscode';
import type { PipelineDiagnostics } from '../pipelineDiagnostics';
import type { AzureProviderUi } from '../azure/azureProviderUi';
import type { LocalHost } from '../localHost/localHost';
import type { WorkspaceRegistry } from '../workspaceRegistry';
import { classifyImage } from './classifyImage';
import { selectAzureTenant, signInToAzure, signOutOfAzure } from './azureAccount';
import { compareServices } from './compareServices';
import { copyPrimaryKey } from './copyPrimaryKey';
import { copySampleRequest } from './copySampleRequest';
import { copySecondaryKey } from './copySecondaryKey';
import { copyScoringUri } from './copyScoringUri';
import { deleteModel } from './deleteModel';
import { deleteService } from './deleteService';
import { deploy } from './deploy';
import { newPipeline } from './newPipeline';
import { packagePipeline } from './packagePipeline';
import { pullFeaturizerWeights } from './pullFeaturizerWeights';
import { refresh } from './refresh';
import { regenerateKeys } from './regenerateKeys';
import { revealModelZip } from '../localHost/revealModelZip';
import type { CommandContext, CommandHandler } from './runCommand';
import { runCommand } from './runCommand';
import { showLog } from './showLog';
import { startLocalHost } from '../localHost/startLocalHost';
import { stopLocalHost } from '../localHost/stopLocalHost';
import { evaluateOnFolder } from '../training/evaluateOnFolder';
import { trainClassifier } from '../training/trainClassifier';

/**
 * Every command the manifest contributes, and the handler that runs it. The manifest test
 * (test/unit/manifest.test.ts) keeps this table and package.json in step.
 */
const COMMANDS: Readonly<Record<string, CommandHandler>> = {
  'fpga.packagePipeline': packagePipeline,
  'fpga.showLog': showLog,
  'fpga.deploy': deploy,
  'fpga.classifyImage': classifyImage,
  'fpga.compareServices': compareServices,
  'fpga.deleteService': deleteService,
  'fpga.deleteModel': deleteModel,
  'fpga.revealModelZip': revealModelZip,
  'fpga.refresh': refresh,
  'fpga.newPipeline': newPipeline,
  'fpga.pullFeaturizerWeights': pullFeaturizerWeights,
  'fpga.startLocalHost': startLocalHost,
  'fpga.stopLocalHost': stopLocalHost,
  'fpga.signInToAzure': signInToAzure,
  'fpga.signOutOfAzure': signOutOfAzure,
  'fpga.selectAzureTenant': selectAzureTenant,
  'fpga.copyScoringUri': copyScoringUri,
  'fpga.copyPrimaryKey': copyPrimaryKey,
  'fpga.copySecondaryKey': copySecondaryKey,
  'fpga.copySampleRequest': copySampleRequest,
  'fpga.regenerateKeys': regenerateKeys,
  'fpga.trainClassifier': trainClassifier,
  'fpga.evaluateOnFolder': evaluateOnFolder,
};

interface ManifestCommand {
  command: string;
  title: string;
}

/** Titles come from the manifest, so a toast names a command exactly as its menu does. */
function commandTitles(context: vscode.ExtensionContext): Map<string, string> {
  const manifest = context.extension.packageJSON as { contributes?: { commands?: ManifestCommand[] } };
  return new Map((manifest.contributes?.commands ?? []).map((c) => [c.command, c.title]));
}

export interface Providers {
  localHost: LocalHost;
  azure: AzureProviderUi;
}

export function registerCommands(context: vscode.ExtensionContext, diagnostics: PipelineDiagnostics, workspaces: WorkspaceRegistry, providers: Providers): void {
  const titles = commandTitles(context);
  for (const [id, handler] of Object.entries(COMMANDS)) {
    const command: CommandContext = {
      id,
      title: titles.get(id) ?? id,
      diagnostics,
      workspaces,
      ...providers,
      extensionUri: context.extensionUri,
      globalState: context.globalState,
    };
    context.subscriptions.push(vscode.commands.registerCommand(id, runCommand(command, handler)));
  }
}
