import type { Command } from 'commander';
import { positiveInteger } from '../../options';
import { printJson } from '../../output';
import { interruptSignal, openWorkspace, withWorkspaceOptions } from './azureConnection';
import type { WorkspaceOptions } from './azureConnection';

interface LogsOptions extends WorkspaceOptions {
  tail?: number;
}

export function registerAzureLogs(azure: Command): void {
  withWorkspaceOptions(
    azure
      .command('logs')
      .description('print the inference server container\'s log of an endpoint\'s deployment')
      .argument('<service>', 'endpoint name')
      .option('--tail <n>', 'the last n lines only', positiveInteger),
  ).action(async (service: string, options: LogsOptions) => {
    const signal = interruptSignal();
    const logs = await (await openWorkspace(options, signal)).serviceLogs(service, { signal, ...(options.tail !== undefined ? { tail: options.tail } : {}) });
    if (options.json) return printJson({ name: service, logs });
    process.stdout.write(logs.endsWith('\n') || logs === '' ? logs : `${logs}\n`);
  });
}
