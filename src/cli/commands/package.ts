import type { Command } from 'commander';
import { displayPath } from '../../common/displayPath';
import { MODEL_DEF_FILE, packagePipelineFile } from '../../pipeline/packager';
import { formatProblem } from '../../pipeline/problems';
import { formatBytes } from '../output';

export function registerPackage(program: Command): void {
  program
    .command('package')
    .description(`package a pipeline file into ${MODEL_DEF_FILE}`)
    .argument('<pipeline>', 'the *.pipeline.json file')
    .option('-o, --out <file>', `where to write the zip (default: ${MODEL_DEF_FILE} beside the pipeline)`)
    .action(async (pipeline: string, options: { out?: string }) => {
      const result = await packagePipelineFile(pipeline, options.out);
      for (const warning of result.warnings) process.stderr.write(formatProblem(pipeline, warning) + '\n');
      process.stdout.write(
        `packaged ${pipeline} → ${displayPath(result.outPath)} ` +
          `(${result.entries} entries, ${formatBytes(result.bytes)}, sha256 ${result.sha256})\n`,
      );
    });
}
