import type { Command } from 'commander';
import { printJson, table } from '../../output';
import { interruptSignal, openWorkspace, withWorkspaceOptions } from './azureConnection';
import type { WorkspaceOptions } from './azureConnection';

export function registerAzureModels(azure: Command): void {
  withWorkspaceOptions(azure.command('models').description('list the models registered in the workspace (every version)')).action(async (options: WorkspaceOptions) => {
    const signal = interruptSignal();
    const models = await (await openWorkspace(options, signal)).listModels({ signal });
    if (options.json) return printJson(models.map((m) => ({ id: m.id, name: m.name, version: m.version, sha256: m.sha256 })));
    if (models.length === 0) return void process.stdout.write('no models registered\n');
    process.stdout.write(table([['id', 'created', 'sha256'], ...models.map((m) => [m.id, m.created, m.sha256 ?? ''])]) + '\n');
  });
}
