import type { Command } from 'commander';
import { printJson } from '../../output';
import { connect, interruptSignal, withConnectionOptions } from './azureConnection';
import type { ConnectionOptions } from './azureConnection';
import { readAzureSettings, writeAzureSettings } from './azureSettings';

export function registerAzureUse(azure: Command): void {
  withConnectionOptions(
    azure
      .command('use')
      .description('make a workspace (and the cloud given with it) the default of the other "fpga azure" commands')
      .argument('<resource id>', 'the workspace\'s resource id, as "fpga azure workspaces" lists it'),
  ).action(async (resourceId: string, options: ConnectionOptions) => {
    const signal = interruptSignal();
    // Opening it checks the id and the sign-in now rather than at the next command.
    const workspace = await (await connect(options, signal)).openWorkspace(resourceId, { signal });
    const saved = await readAzureSettings();
    const settings = {
      workspace: workspace.id,
      ...((options.armEndpoint ?? saved.armEndpoint) ? { armEndpoint: options.armEndpoint ?? saved.armEndpoint } : {}),
      ...((options.authorityHost ?? saved.authorityHost) ? { authorityHost: options.authorityHost ?? saved.authorityHost } : {}),
    };
    const path = await writeAzureSettings(settings);
    if (options.json) return printJson({ ...settings, settingsFile: path });
    process.stdout.write(`default workspace: ${workspace.label} (${workspace.id}), saved in ${path}\n`);
  });
}
