import type { Command } from 'commander';
import { messageOf } from '../../common/errors';
import { azureWorkspaceProvider } from '../../workspaces/azure/azureWorkspaceProvider';
import { runningLocalProvider } from '../../workspaces/local/localProvider';
import { WorkspaceProviders } from '../../workspaces/registry';
import { withStateOption } from '../localHost';
import type { StateOption } from '../localHost';
import { printJson, table, terminalText } from '../output';
import { connect, interruptSignal, withConnectionOptions } from './azure/azureConnection';
import type { ConnectionOptions } from './azure/azureConnection';

interface WorkspacesOptions extends StateOption, ConnectionOptions {
  azure?: boolean;
}

/**
 * `fpga workspaces`: every workspace of every provider, through the same registry the
 * extension's tree uses: the Local workspace when its host runs, and with --azure the Azure
 * Machine Learning workspaces the credential can see. A provider that cannot list says why
 * on stderr and hides no other.
 */
export function registerWorkspaces(program: Command): void {
  withConnectionOptions(
    withStateOption(program.command('workspaces').description('list the workspaces you can deploy to: Local (when its host runs) and, with --azure, your Azure Machine Learning workspaces')),
  )
    .option('--azure', 'also sign in to Azure and list its Machine Learning workspaces')
    .action(async (options: WorkspacesOptions) => {
      const signal = interruptSignal();
      const providers = new WorkspaceProviders([runningLocalProvider(options.state)]);
      if (options.azure) providers.add(azureWorkspaceProvider(await connect(options, signal)));
      const listings = await providers.listAll({ signal });
      const rows = listings.flatMap((listing) =>
        'entries' in listing ? listing.entries.map(({ workspace, group, description }) => ({ id: workspace.id, kind: workspace.kind, label: workspace.label, group: group ?? null, description: description ?? null })) : [],
      );
      for (const listing of listings) if ('error' in listing) process.stderr.write(`note: ${listing.provider.label}: ${messageOf(listing.error)}\n`);
      if (options.json) return printJson(rows);
      if (rows.length === 0) return void process.stdout.write('no workspace to list\n');
      process.stdout.write(table([['kind', 'workspace', 'where', 'id'], ...rows.map((r) => [r.kind, terminalText(r.label), terminalText(r.group ?? r.description ?? ''), r.id])]) + '\n');
    });
}
