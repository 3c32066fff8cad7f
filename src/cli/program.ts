/**
 * The `fpga` command line: one commander program over the same core the extension uses.
 * Errors become one line on stderr and an exit code; stacks only with --verbose.
 */
import { Command, CommanderError } from 'commander';
import { escapeControlCharacters } from '../common/displayText';
import { isUserError, messageOf } from '../common/errors';
import { registerAzure } from './commands/azure';
import { registerWorkspaces } from './commands/workspaces';
import { registerBench } from './commands/bench';
import { registerClassify } from './commands/classify';
import { registerDeleteService } from './commands/deleteService';
import { registerDeploy } from './commands/deploy';
import { registerEvaluate } from './commands/evaluate';
import { registerFeaturizers } from './commands/featurizers';
import { registerInspect } from './commands/inspect';
import { registerKeys } from './commands/keys';
import { registerModels } from './commands/models';
import { registerPackage } from './commands/package';
import { registerServe } from './commands/serve';
import { registerServices } from './commands/services';
import { registerStop } from './commands/stop';
import { registerTrain } from './commands/train';
import { registerValidate } from './commands/validate';
import { registerVerify } from './commands/verify';
import { EXIT_OK, EXIT_USAGE, EXIT_USER_ERROR } from './exitCodes';

declare const FPGA_VERSION: string | undefined;

export function buildProgram(): Command {
  const program = new Command('fpga')
    .description('Package image classification pipelines into model_def.zip, deploy them as local services and classify images.')
    .version(typeof FPGA_VERSION === 'string' ? FPGA_VERSION : 'dev')
    .option('--verbose', 'print stack traces of errors')
    .showHelpAfterError('(run "fpga --help" for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerPackage(program);
  registerValidate(program);
  registerInspect(program);
  registerDeploy(program);
  registerServices(program);
  registerClassify(program);
  registerKeys(program);
  registerDeleteService(program);
  registerModels(program);
  registerStop(program);
  registerBench(program);
  registerVerify(program);
  registerFeaturizers(program);
  registerTrain(program);
  registerEvaluate(program);
  registerServe(program);
  registerWorkspaces(program);
  registerAzure(program);
  overrideExits(program);
  return program;
}

/** Commander would call process.exit itself; every (sub)command throws instead, so exit codes stay ours. */
function overrideExits(command: Command): void {
  for (const sub of command.commands) {
    sub.exitOverride();
    overrideExits(sub);
  }
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; everything else commander throws is bad usage.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const verbose = argv.includes('--verbose');
    if (isUserError(error)) {
      // A message may quote a model's text (a stage name, a label file, a service's error).
      process.stderr.write(`fpga: ${escapeControlCharacters(error.message)}\n`);
    } else {
      process.stderr.write(`fpga: internal error: ${escapeControlCharacters(messageOf(error))}${verbose ? '' : ' (run with --verbose for details)'}\n`);
    }
    if (verbose && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
    return EXIT_USER_ERROR;
  }
}
