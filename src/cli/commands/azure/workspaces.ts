import type { Command } from 'commander';
import { printJson, table } from '../../output';
import { connect, interruptSignal, withConnectionOptions } from './azureConnection';
import type { ConnectionOptions } from './azureConnection';

export function registerAzureWorkspaces(azure: Command): void {
  withConnectionOptions(
    azure.command('workspaces').description('list the Machine Learning workspaces of every subscription you can see'),
  ).action(async (options: ConnectionOptions) => {
    const signal = interruptSignal();
    const workspaces = await (await connect(options, signal)).listWorkspaces({ signal });
    const rows = workspaces.map((w) => ({ id: w.id, name: w.workspaceName, resourceGroup: w.resourceGroup, subscriptionId: w.subscriptionId, location: w.location }));
    if (options.json) return printJson(rows);
    if (rows.length === 0) return void process.stdout.write('no Machine Learning workspaces in the subscriptions you can see\n');
    process.stdout.write(table([['name', 'resource group', 'location', 'id'], ...rows.map((w) => [w.name, w.resourceGroup, w.location, w.id])]) + '\n');
  });
}
