import type * as vscode from 'vscode';
import { registerCommands } from './ui/commands/registerCommands';
import { createLog, getLog } from './ui/log';
import { registerPipelineDiagnostics } from './ui/pipelineDiagnostics';
import { registerWorkspacesView } from './ui/workspacesView';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(createLog());
  const diagnostics = registerPipelineDiagnostics(context);
  registerCommands(context, diagnostics);
  registerWorkspacesView(context);
  const { version } = context.extension.packageJSON as { version: string };
  getLog('extension').info(`FPGA Model Services ${version} activated`);
}

export function deactivate(): void {
  // Everything this extension starts is on context.subscriptions; VS Code disposes it.
}
