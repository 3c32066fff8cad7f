import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../../common/errors';
import { serviceNameProblem } from '../../common/serviceName';
import { ModelDefError, readModelDef } from '../../pipeline/modelDefReader';
import { packagePipeline } from '../../pipeline/packager';
import { findOrStartHost } from '../../workspaces/local/hostLauncher';
import { LocalWorkspace } from '../../workspaces/local/localWorkspace';
import type { ServiceInfo } from '../../workspaces/workspace';
import { readInputFile } from '../inputFile';
import { modelStoreMismatch, withStateOption } from '../localHost';
import type { StateOption } from '../localHost';
import { port, positiveInteger } from '../options';
import { printJson } from '../output';

interface DeployOptions extends StateOption {
  name: string;
  wait: boolean;
  json?: boolean;
  modelStore?: string;
  maxBatchSize?: number;
  maxDelayMs?: number;
  port?: number;
}

const POLL_MS = 250;

export function registerDeploy(program: Command): void {
  withStateOption(
    program
      .command('deploy')
      .description('register a model_def.zip (or package a *.pipeline.json) and deploy it as a service on the local host, starting the host if none is running')
      .argument('<model>', 'model_def.zip, or a *.pipeline.json to package first')
      .requiredOption('-n, --name <service>', 'service name: 3–32 lowercase letters, digits and "-"')
      .option('--no-wait', 'return at once instead of waiting until the service is Healthy or Failed')
      .option('--model-store <dir>', 'model store for a host this command starts (default: $FPGA_MODEL_STORE or ~/.fpga/models)')
      .option('--port <n>', 'port for a host this command starts (default: the port its last host used, when free)', port)
      .option('--max-batch-size <n>', 'largest batch the service runs at once', positiveInteger)
      .option('--max-delay-ms <ms>', 'longest a request waits for others to batch with', positiveInteger)
      .option('--json', 'print the service as JSON'),
  ).action(async (model: string, options: DeployOptions) => {
    const problem = serviceNameProblem(options.name);
    if (problem) throw new UserError(problem);
    const zip = await modelBytes(model);
    const host = await findOrStartHost(options.state, {
      cliPath: process.argv[1] ?? '',
      ...(options.modelStore !== undefined ? { modelStore: options.modelStore } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
    });
    // Said before the deploy, not only if it fails: a service that loads may still read other weights than the caller meant.
    const mismatch = modelStoreMismatch(host, options.state, options.modelStore);
    if (mismatch) process.stderr.write(`note: ${mismatch}\n`);
    const workspace = new LocalWorkspace(host, options.state);
    const registered = await workspace.registerModel(zip);
    let service = await workspace.deployService(options.name, registered.id, {
      ...(options.maxBatchSize ? { maxBatchSize: options.maxBatchSize } : {}),
      ...(options.maxDelayMs ? { maxDelayMs: options.maxDelayMs } : {}),
    });
    if (options.wait) service = await settled(workspace, service);
    if (options.json) printJson(service);
    else process.stdout.write(describeDeployment(service, registered.id));
    if (service.state === 'Failed') throw new UserError(`service ${service.name} failed to deploy: ${service.error ?? 'no reason given'}`);
  });
}

const WHAT_TO_DEPLOY = 'a model_def.zip ("fpga package" writes one) or a *.pipeline.json';

/** The zip to register, checked here first so that a wrong file is named before any host starts. */
export async function modelBytes(path: string): Promise<Buffer> {
  if (path.endsWith('.pipeline.json')) return (await packagePipeline(path)).zip;
  const zip = await readInputFile(path, WHAT_TO_DEPLOY);
  try {
    readModelDef(zip);
  } catch (error) {
    if (error instanceof ModelDefError) throw new UserError(`${path} is not a model to deploy: ${error.message}; give ${WHAT_TO_DEPLOY}`);
    throw error;
  }
  return zip;
}

/** Polls until the service leaves Transitioning. */
async function settled(workspace: LocalWorkspace, service: ServiceInfo): Promise<ServiceInfo> {
  let current = service;
  while (current.state === 'Transitioning') {
    await sleep(POLL_MS);
    current = await workspace.getService(service.name);
  }
  return current;
}

function describeDeployment(service: ServiceInfo, model: string): string {
  const details = [service.backend, service.precision, service.synthetic ? 'synthetic weights' : undefined].filter(Boolean).join(', ');
  return (
    `service ${service.name}: ${service.state}${details ? ` (${details})` : ''}\n` +
    `model ${model}\n` +
    `scoring URI ${service.scoring_uri}\n` +
    `keys: fpga keys ${service.name}\n`
  );
}
