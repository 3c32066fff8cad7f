import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { KeyName } from '../../../workspaces/workspace';
import { printJson } from '../../output';
import { interruptSignal, openWorkspace, withWorkspaceOptions } from './azureConnection';
import type { WorkspaceOptions } from './azureConnection';

interface KeysOptions extends WorkspaceOptions {
  regenerate?: KeyName;
}

export function registerAzureKeys(azure: Command): void {
  withWorkspaceOptions(
    azure
      .command('keys')
      .description('print an endpoint\'s primary and secondary keys, optionally regenerating one first')
      .argument('<service>', 'endpoint name')
      .option('--regenerate <key>', 'regenerate "primary" or "secondary" first', keyName),
  ).action(async (service: string, options: KeysOptions) => {
    const signal = interruptSignal();
    const workspace = await openWorkspace(options, signal);
    const keys = options.regenerate ? await workspace.regenerateKey(service, options.regenerate, { signal }) : await workspace.getKeys(service, { signal });
    if (options.json) return printJson(keys);
    process.stdout.write(`primary    ${keys.primary}\nsecondary  ${keys.secondary}\n`);
  });
}

function keyName(value: string): KeyName {
  if (value !== 'primary' && value !== 'secondary') throw new InvalidArgumentError('use "primary" or "secondary".');
  return value;
}
