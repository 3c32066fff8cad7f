import type { Command } from 'commander';
import { printJson } from '../../output';
import { interruptSignal, openWorkspace, withWorkspaceOptions } from './azureConnection';
import type { WorkspaceOptions } from './azureConnection';

interface DeleteOptions extends WorkspaceOptions {
  model?: boolean;
}

export function registerAzureDelete(azure: Command): void {
  withWorkspaceOptions(
    azure
      .command('delete')
      .description('delete an endpoint with its deployment, and with --model the model version it ran')
      .argument('<service>', 'endpoint name')
      .option('--model', 'also delete the model version the endpoint ran'),
  ).action(async (service: string, options: DeleteOptions) => {
    const signal = interruptSignal();
    const workspace = await openWorkspace(options, signal);
    const model = options.model ? (await workspace.getService(service, { signal })).model : undefined;
    await workspace.deleteService(service, { signal });
    if (model) await workspace.deleteModel(model, { signal });
    if (options.json) return printJson({ deleted: service, ...(model ? { model } : {}) });
    process.stdout.write(`deleted endpoint ${service}${model ? ` and model ${model}` : ''}\n`);
  });
}
