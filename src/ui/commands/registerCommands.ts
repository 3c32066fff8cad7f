import * as vscode from 'vscode';
import type { PipelineDiagnostics } from '../pipelineDiagnostics';
import { comingSoon } from './comingSoon';
import { packagePipeline } from './packagePipeline';
import type { CommandHandler } from './runCommand';
import { runCommand } from './runCommand';
import { showLog } from './showLog';

/**
 * Every command the manifest contributes, and the handler that runs it. The manifest test
 * (test/unit/manifest.test.ts) keeps this table and package.json in step.
 */
const COMMANDS: Readonly<Record<string, CommandHandler>> = {
  'fpga.packagePipeline': packagePipeline,
  'fpga.showLog': showLog,
  'fpga.deploy': comingSoon,
  'fpga.classifyImage': comingSoon,
  'fpga.deleteService': comingSoon,
  'fpga.deleteModel': comingSoon,
  'fpga.revealModelZip': comingSoon,
  'fpga.refresh': comingSoon,
  'fpga.newPipeline': comingSoon,
  'fpga.startLocalHost': comingSoon,
  'fpga.stopLocalHost': comingSoon,
  'fpga.signInToAzure': comingSoon,
  'fpga.copyScoringUri': comingSoon,
  'fpga.copyPrimaryKey': comingSoon,
  'fpga.regenerateKeys': comingSoon,
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

export function registerCommands(context: vscode.ExtensionContext, diagnostics: PipelineDiagnostics): void {
  const titles = commandTitles(context);
  for (const [id, handler] of Object.entries(COMMANDS)) {
    const command = { id, title: titles.get(id) ?? id, diagnostics };
    context.subscriptions.push(vscode.commands.registerCommand(id, runCommand(command, handler)));
  }
}
