import type * as vscode from 'vscode';
import { WorkspaceProviders } from './workspaces/registry';
import { classifyEnvironment } from './ui/classify/classifyEnvironment';
import { registerClassifyPanelSerializer } from './ui/classify/classifyPanel';
import { registerCommands } from './ui/commands/registerCommands';
import { LocalHost } from './ui/localHost/localHost';
import { LocalProviderUi } from './ui/localHost/localProvider';
import { registerLocalHostStatusBar } from './ui/localHost/statusBar';
import { createLog, getLog } from './ui/log';
import { registerFeaturizerQuickFix } from './ui/featurizerQuickFix';
import { registerPipelineDiagnostics } from './ui/pipelineDiagnostics';
import type { FpgaExtensionApi } from './ui/testApi';
import { LocalWorkspaceNode } from './ui/tree/localWorkspaceNode';
import { ProviderRootNode } from './ui/tree/providerRootNode';
import { AzureProviderUi } from './ui/azure/azureProviderUi';
import { WorkspaceRegistry } from './ui/workspaceRegistry';
import { registerWorkspacesView } from './ui/workspacesView';

/** Kept for deactivate(): with fpga.localHost.keepRunning off, the host this window started is stopped (and awaited) before the extension host exits. */
let localHost: LocalHost | undefined;

export function activate(context: vscode.ExtensionContext): FpgaExtensionApi {
  context.subscriptions.push(createLog());
  localHost = new LocalHost(context.extensionUri, context.globalStorageUri);
  const local = new LocalProviderUi(localHost);
  const azure = new AzureProviderUi(context.globalState);
  const workspaces = new WorkspaceRegistry(new WorkspaceProviders([local.provider, azure.provider]), [local, azure]);
  context.subscriptions.push(localHost, azure, workspaces);
  const diagnostics = registerPipelineDiagnostics(context);
  registerFeaturizerQuickFix(context);
  registerCommands(context, diagnostics, workspaces, { localHost, azure });
  const workspacesTree = registerWorkspacesView(context, workspaces, [new LocalWorkspaceNode(workspaces, localHost), new ProviderRootNode(azure, workspaces)]);
  registerLocalHostStatusBar(context, workspaces, localHost);
  context.subscriptions.push(
    registerClassifyPanelSerializer((workspaceId) => classifyEnvironment(context.extensionUri, context.globalState, workspaces, workspaceId)),
  );
  const { version } = context.extension.packageJSON as { version: string };
  getLog('extension').info(`FPGA Model Services ${version} activated`);
  return { workspacesTree };
}

/** The local service host keeps running (see LocalHost.onDeactivate); disposables go with context.subscriptions. */
export async function deactivate(): Promise<void> {
  await localHost?.onDeactivate();
  localHost = undefined;
}
