/** `fpga azure …`: the Azure Machine Learning workspace from the command line. */
import type { Command } from 'commander';
import { registerAzureClassify } from './classify';
import { registerAzureDelete } from './delete';
import { registerAzureDeploy } from './deploy';
import { registerAzureKeys } from './keys';
import { registerAzureLogs } from './logs';
import { registerAzureModels } from './models';
import { registerAzureServices } from './services';
import { registerAzureUse } from './use';
import { registerAzureWorkspaces } from './workspaces';

export function registerAzure(program: Command): void {
  const azure = program
    .command('azure')
    .description('Azure Machine Learning: list workspaces, register and deploy models as managed online endpoints, classify, keys, logs');
  registerAzureWorkspaces(azure);
  registerAzureUse(azure);
  registerAzureModels(azure);
  registerAzureDeploy(azure);
  registerAzureServices(azure);
  registerAzureKeys(azure);
  registerAzureLogs(azure);
  registerAzureClassify(azure);
  registerAzureDelete(azure);
}
