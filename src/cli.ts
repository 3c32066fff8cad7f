/** Entry point of the `fpga` command line (bundled to dist/cli.js). */
import { exitQuietlyWhenPipesClose } from './cli/closedPipes';
import { runCli } from './cli/program';

exitQuietlyWhenPipesClose();

void runCli(process.argv).then((code) => {
  process.exitCode = code;
});
