/**
 * What happens when the reader of stdout or stderr goes away (`fpga inspect x.zip | head`,
 * `fpga serve 2>&1 | head -n 3`). Node reports the failed write as an 'error' event, and an
 * unhandled one ends the process with a stack trace.
 *
 * - A command that prints and exits stops quietly, as Unix tools killed by SIGPIPE do: no
 *   one is left to read the rest.
 * - The service host keeps serving: its output is a log, and losing the log must not take
 *   every service (and a half-finished deployment) down with it.
 */
type PipeStream = NodeJS.WriteStream;

const streams = (): PipeStream[] => [process.stdout, process.stderr];

function exitQuietly(): void {
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
}

function dropOutput(): void {
  // The log has nowhere to go; the host carries on without it.
}

export function exitQuietlyWhenPipesClose(): void {
  for (const stream of streams()) stream.on('error', exitQuietly);
}

export function keepRunningWhenPipesClose(): void {
  for (const stream of streams()) {
    stream.off('error', exitQuietly);
    stream.on('error', dropOutput);
  }
}
