import type { Command } from 'commander';
import { formatBytes } from '../../common/formatBytes';
import { runningWorkspace, withStateOption } from '../localHost';
import type { StateOption } from '../localHost';
import { printJson, table } from '../output';

export function registerModels(program: Command): void {
  const models = withStateOption(program.command('models').description('list the models registered on the local host').option('--json', 'print JSON')).action(
    async (options: StateOption & { json?: boolean }) => {
      const list = await (await runningWorkspace(options.state)).listModels();
      if (options.json) {
        printJson(list);
        return;
      }
      if (list.length === 0) {
        process.stdout.write('no models: "fpga deploy" registers one\n');
        return;
      }
      const rows = list.map((m) => [m.id, m.size === null ? '?' : formatBytes(m.size), m.created, m.stages.map((s) => s.model_ref ?? s.type).join(' → ')]);
      process.stdout.write(table([['model', 'size', 'registered', 'stages'], ...rows]) + '\n');
    },
  );
  // --state belongs to `models`; commander hands it to the subcommand through its globals.
  models
    .command('delete')
    .description('delete a registered model that no service uses')
    .argument('<model>', 'model id, <name>:<version>')
    .action(async (id: string, _options: object, command: Command) => {
      const { state } = command.optsWithGlobals<StateOption>();
      await (await runningWorkspace(state)).deleteModel(id);
      process.stdout.write(`deleted model ${id}\n`);
    });
}
