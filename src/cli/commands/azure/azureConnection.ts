/**
 * What every `fpga azure` command shares: the cloud and sign-in flags, the workspace (flag or
 * `fpga azure use` default), and a signal that Ctrl-C aborts, so that polling stops cleanly.
 */
import type { Command } from 'commander';
import { UserError } from '../../../common/errors';
import { createAzureProvider } from '../../../workspaces/azure/azureProvider';
import type { AzureProvider } from '../../../workspaces/azure/azureProvider';
import type { AzureWorkspace } from '../../../workspaces/azure/azureWorkspace';
import { createCliCredential } from '../../../workspaces/azure/cliCredential';
import { readAzureSettings } from './azureSettings';

export interface ConnectionOptions {
  armEndpoint?: string;
  authorityHost?: string;
  deviceCode?: boolean;
  json?: boolean;
}

export interface WorkspaceOptions extends ConnectionOptions {
  workspace?: string;
}

export function withConnectionOptions(command: Command): Command {
  return command
    .option('--arm-endpoint <url>', 'Azure Resource Manager endpoint of the cloud (default: https://management.azure.com, or what "fpga azure use" saved)')
    .option('--authority-host <url>', 'Microsoft Entra authority of the cloud (default: https://login.microsoftonline.com/, or what "fpga azure use" saved)')
    .option('--device-code', 'sign in with a code entered in a browser, instead of the environment, "az login" or a managed identity')
    .option('--json', 'print JSON');
}

export function withWorkspaceOptions(command: Command): Command {
  return withConnectionOptions(command).option('-w, --workspace <resource id>', 'the workspace (default: the one "fpga azure use" saved)');
}

export async function connect(options: ConnectionOptions, signal: AbortSignal): Promise<AzureProvider> {
  const saved = await readAzureSettings();
  const authorityHost = options.authorityHost ?? saved.authorityHost ?? process.env.AZURE_AUTHORITY_HOST;
  const armEndpoint = options.armEndpoint ?? saved.armEndpoint;
  const credential = createCliCredential({
    ...(authorityHost ? { authorityHost } : {}),
    ...(options.deviceCode ? { deviceCode: true, onDeviceCode: (message: string) => process.stderr.write(`${message}\n`) } : {}),
  });
  return createAzureProvider({ credential, ...(armEndpoint ? { armEndpoint } : {}), signal });
}

export async function openWorkspace(options: WorkspaceOptions, signal: AbortSignal): Promise<AzureWorkspace> {
  const saved = await readAzureSettings();
  const id = options.workspace ?? saved.workspace;
  if (!id) throw new UserError('no Azure workspace given: pass --workspace <resource id>, or set a default with "fpga azure use <resource id>" (ids: "fpga azure workspaces")');
  return (await connect(options, signal)).openWorkspace(id, { signal });
}

/**
 * Aborted by the first Ctrl-C, so that a long poll ends with "cancelled" (the operation
 * goes on in Azure); a second Ctrl-C ends the process at once.
 */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onInterrupt = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('fpga: cancelling (the operation goes on in Azure; press Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  return controller.signal;
}
