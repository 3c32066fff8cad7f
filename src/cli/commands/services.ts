import type { Command } from 'commander';
import { describeStageEngines } from '../../runtime/engines/stageEngine';
import { runningWorkspace, withStateOption } from '../localHost';
import type { StateOption } from '../localHost';
import { printJson, table } from '../output';

export function registerServices(program: Command): void {
  withStateOption(
    program.command('services').description('list the services of the local host').option('--json', 'print JSON'),
  ).action(async (options: StateOption & { json?: boolean }) => {
    const services = await (await runningWorkspace(options.state)).listServices();
    if (options.json) {
      printJson(services.map((s) => ({ name: s.name, model: s.model, state: s.state, scoring_uri: s.scoring_uri, error: s.error, backend: s.backend, engines: s.engines ?? null, precision: s.precision })));
      return;
    }
    if (services.length === 0) {
      process.stdout.write('no services: deploy one with "fpga deploy <model_def.zip> --name <service>"\n');
      return;
    }
    const rows = services.map((s) => [s.name, s.state, s.model, s.engines ? describeStageEngines(s.engines) : (s.backend ?? ''), s.scoring_uri, s.error ?? '']);
    process.stdout.write(table([['name', 'state', 'model', 'engines', 'scoring URI', 'error'], ...rows]) + '\n');
  });
}
