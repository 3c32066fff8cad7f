import type { Command } from 'commander';
import { UserError } from '../../../common/errors';
import { serviceNameProblem } from '../../../common/serviceName';
import { positiveInteger } from '../../options';
import { printJson } from '../../output';
import { modelBytes } from '../deploy';
import { interruptSignal, openWorkspace, withWorkspaceOptions } from './azureConnection';
import type { WorkspaceOptions } from './azureConnection';

interface AzureDeployCliOptions extends WorkspaceOptions {
  name: string;
  image: string;
  instanceType?: string;
  instanceCount?: number;
  wait: boolean;
}

export function registerAzureDeploy(azure: Command): void {
  withWorkspaceOptions(
    azure
      .command('deploy')
      .description('register a model_def.zip (or package a *.pipeline.json) and deploy it as a managed online endpoint running the inference server image')
      .argument('<model>', 'model_def.zip, or a *.pipeline.json to package first')
      .requiredOption('-n, --name <service>', 'endpoint name: 3–32 lowercase letters, digits and "-", unique in the region')
      .requiredOption('--image <image>', 'container image of the inference server ("fpga serve --model"), e.g. myregistry.azurecr.io/fpga-serve:0.2.0')
      .option('--instance-type <type>', 'VM size of the deployment (default: Standard_DS3_v2)')
      .option('--instance-count <n>', 'instances (default: 1)', positiveInteger)
      .option('--no-wait', 'return once Azure has accepted the deployment instead of waiting until it is Healthy or Failed'),
  ).action(async (model: string, options: AzureDeployCliOptions) => {
    const problem = serviceNameProblem(options.name);
    if (problem) throw new UserError(problem);
    const zip = await modelBytes(model);
    const signal = interruptSignal();
    const workspace = await openWorkspace(options, signal);
    const progress = (message: string): void => void process.stderr.write(`${message}\n`);
    progress(`registering the model in ${workspace.label}`);
    const registered = await workspace.registerModel(zip, undefined, { signal });
    progress(`model ${registered.id}`);
    const service = await workspace.deployService(options.name, registered.id, {
      image: options.image,
      signal,
      onProgress: progress,
      wait: options.wait,
      ...(options.instanceType ? { instanceType: options.instanceType } : {}),
      ...(options.instanceCount ? { instanceCount: options.instanceCount } : {}),
    });
    const result = { name: service.name, state: service.state, scoringUri: service.scoring_uri, model: registered.id, ...(service.error ? { error: service.error } : {}) };
    if (options.json) printJson(result);
    else process.stdout.write(`endpoint ${result.name}: ${result.state}\nmodel ${result.model}\nscoring URI ${result.scoringUri}\nkeys: fpga azure keys ${result.name}\n`);
    if (service.state === 'Failed') throw new UserError(`endpoint ${service.name} failed to deploy: ${service.error ?? 'no reason given'}`);
  });
}
