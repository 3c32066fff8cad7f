/** Entry point of the `fpga` command line (bundled to dist/cli.js). */
import { runCli } from './cli/program';

void runCli(process.argv).then((code) => {
  process.exitCode = code;
});
