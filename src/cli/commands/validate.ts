import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { UserError } from '../../common/errors';
import { formatProblem, hasErrors } from '../../pipeline/problems';
import { validatePipelineText } from '../../pipeline/validate';
import { EXIT_USER_ERROR } from '../exitCodes';
import { printJson } from '../output';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a pipeline file and list every problem with its line:column')
    .argument('<pipeline>', 'the *.pipeline.json file')
    .option('--json', 'print the problems as JSON')
    .action(async (pipeline: string, options: { json?: boolean }) => {
      const text = await readFile(pipeline, 'utf8').catch(() => {
        throw new UserError(`pipeline file not found: ${pipeline}`);
      });
      const { problems } = validatePipelineText(text, pipeline);
      if (options.json) printJson(problems);
      else if (problems.length === 0) process.stdout.write(`${pipeline}: valid\n`);
      else for (const problem of problems) process.stdout.write(formatProblem(pipeline, problem) + '\n');
      if (hasErrors(problems)) process.exitCode = EXIT_USER_ERROR;
    });
}
