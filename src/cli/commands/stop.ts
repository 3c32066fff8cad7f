import type { Command } from 'commander';
import { findHost, stopHost } from '../../workspaces/local/hostLauncher';
import { withStateOption } from '../localHost';
import type { StateOption } from '../localHost';

export function registerStop(program: Command): void {
  withStateOption(program.command('stop').description('stop the local service host (its services come back at the next start)')).action(
    async (options: StateOption) => {
      const host = await findHost(options.state);
      const stopped = host ? await stopHost(host) : false;
      process.stdout.write(stopped ? `stopped the local service host of ${options.state}\n` : `no local service host is running for ${options.state}\n`);
    },
  );
}
