/**
 * The host's log: one line per event on stderr (or wherever the embedder sends it). Start,
 * stop and service state changes always; one line per request only when verbose. Stacks of
 * unexpected errors go here and never into a response.
 */
import { messageOf } from '../common/errors';

export interface HostLog {
  info(message: string): void;
  /** An unexpected failure: the message, then the stack when there is one. */
  error(message: string, error?: unknown): void;
  /** One line per HTTP request; dropped unless verbose. */
  request(line: string): void;
}

export type LogSink = (line: string) => void;

export const stderrSink: LogSink = (line) => {
  process.stderr.write(line + '\n');
};

export function createLog(sink: LogSink, verbose: boolean): HostLog {
  const write = (text: string): void => sink(`${new Date().toISOString()} ${text}`);
  return {
    info: write,
    error(message, error) {
      write(error === undefined ? message : `${message}: ${messageOf(error)}`);
      if (error instanceof Error && error.stack) sink(error.stack);
    },
    request(line) {
      if (verbose) write(line);
    },
  };
}
