import type { Command } from 'commander';
import { Option } from 'commander';
import { runningWorkspace, withStateOption } from '../localHost';
import type { StateOption } from '../localHost';
import { printJson } from '../output';

interface KeysOptions extends StateOption {
  regenerate?: 'primary' | 'secondary';
  json?: boolean;
}

export function registerKeys(program: Command): void {
  withStateOption(
    program
      .command('keys')
      .description("show a service's keys (send one as 'Authorization: Bearer <key>'), or regenerate one")
      .argument('<service>', 'service name')
      .addOption(new Option('--regenerate <key>', 'replace a key; the other keeps working').choices(['primary', 'secondary']))
      .option('--json', 'print {"primary","secondary"}'),
  ).action(async (name: string, options: KeysOptions) => {
    const workspace = await runningWorkspace(options.state);
    const keys = options.regenerate ? await workspace.regenerateKey(name, options.regenerate) : await workspace.getKeys(name);
    if (options.json) printJson(keys);
    else process.stdout.write(`primary    ${keys.primary}\nsecondary  ${keys.secondary}\n`);
  });
}
