import type { Command } from 'commander';
import { runningWorkspace, withStateOption } from '../localHost';
import type { StateOption } from '../localHost';

export function registerDeleteService(program: Command): void {
  withStateOption(program.command('delete').description('delete a service of the local host').argument('<service>', 'service name')).action(
    async (name: string, options: StateOption) => {
      await (await runningWorkspace(options.state)).deleteService(name);
      process.stdout.write(`deleted service ${name}\n`);
    },
  );
}
