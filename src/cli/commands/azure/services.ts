import type { Command } from 'commander';
import { printJson, table } from '../../output';
import { interruptSignal, openWorkspace, withWorkspaceOptions } from './azureConnection';
import type { WorkspaceOptions } from './azureConnection';

export function registerAzureServices(azure: Command): void {
  withWorkspaceOptions(azure.command('services').description('list the workspace\'s online endpoints with their state and scoring URI')).action(async (options: WorkspaceOptions) => {
    const signal = interruptSignal();
    const services = await (await openWorkspace(options, signal)).listServices({ signal });
    if (options.json) return printJson(services.map((s) => ({ name: s.name, state: s.state, scoringUri: s.scoring_uri, model: s.model, error: s.error })));
    if (services.length === 0) return void process.stdout.write('no online endpoints\n');
    process.stdout.write(table([['name', 'state', 'model', 'scoring URI'], ...services.map((s) => [s.name, s.state, s.model, s.scoring_uri])]) + '\n');
    for (const failed of services.filter((s) => s.error)) process.stdout.write(`${failed.name}: ${failed.error}\n`);
  });
}
