import type * as vscode from 'vscode';
import { localClassifyEnvironment } from './ui/classify/classifyEnvironment';
import { registerClassifyPanelSerializer } from './ui/classify/classifyPanel';
import { registerCommands } from './ui/commands/registerCommands';
import { LocalHost } from './ui/localHost/localHost';
import { registerLocalHostStatusBar } from './ui/localHost/statusBar';
import { createLog, getLog } from './ui/log';
import { registerFeaturizerQuickFix } from './ui/featurizerQuickFix';
import { registerPipelineDiagnostics } from './ui/pipelineDiagnostics';
import type { FpgaExtensionApi } from './ui/testApi';
import { WorkspaceRegistry } from './ui/workspaceRegistry';
import { registerWorkspacesView } from './ui/workspacesView';

/** Kept for deactivate(): with fpga.localHost.keepRunning off, the host this window started is stopped (and awaited) before the extension host exits. */
let localHost: LocalHost | undefined;

export function activate(context: vscode.ExtensionContext): FpgaExtensionApi {
  context.subscriptions.push(createLog());
  localHost = new LocalHost(context.extensionUri, context.globalStorageUri);
  const workspaces = new WorkspaceRegistry(localHost);
  context.subscriptions.push(localHost, workspaces);
  const diagnostics = registerPipelineDiagnostics(context);
  registerFeaturizerQuickFix(context);
  registerCommands(context, diagnostics, workspaces);
  const workspacesTree = registerWorkspacesView(context, workspaces);
  registerLocalHostStatusBar(context, workspaces);
  context.subscriptions.push(registerClassifyPanelSerializer(localClassifyEnvironment(context.extensionUri, context.globalState, workspaces)));
  const { version } = context.extension.packageJSON as { version: string };
  getLog('extension').info(`FPGA Model Services ${version} activated`);
  return { workspacesTree };
}

/** The local service host keeps running (see LocalHost.onDeactivate); disposables go with context.subscriptions. */
export async function deactivate(): Promise<void> {
  await localHost?.onDeactivate();
  localHost = undefined;
}
