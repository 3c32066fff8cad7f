/**
 * The output of a local service host started in the background, `<state>/host.log`: every
 * launcher (the CLI's and the extension's) appends the host's stdout and stderr there, so
 * any window or terminal can read what the host said, whoever started it.
 */
import { open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HOST_LOG } from '../../service/hostFile';

/** A log past this size is set aside (as host.log.1) when the next host starts. */
const ROTATE_BYTES = 10 * 1024 * 1024;
/** How much of the end of the log is read: the recent history, never an unbounded file. */
const READ_BYTES = 8 * 1024 * 1024;

export function hostLogPath(stateDir: string): string {
  return join(stateDir, HOST_LOG);
}

export interface LogLineOptions {
  /** Only the last N matching lines. */
  tail?: number;
}

/** The lines of the host log that name `service` (as a whole word), oldest first; none when there is no log. */
export async function hostLogLinesAbout(stateDir: string, service: string, options: LogLineOptions = {}): Promise<string[]> {
  // Service names are lowercase letters, digits and '-': no regular-expression characters to escape.
  const word = new RegExp(`(^|[^a-z0-9-])${service}($|[^a-z0-9-])`);
  const lines = (await readHostLogLines(stateDir)).filter((line) => word.test(line));
  return options.tail === undefined ? lines : lines.slice(-options.tail);
}

/** The last line the host wrote (e.g. why it stopped at start), or undefined when it wrote none. */
export async function lastHostLogLine(stateDir: string): Promise<string | undefined> {
  return (await readHostLogLines(stateDir)).at(-1);
}

/** The non-empty lines of the log's recent end. */
export async function readHostLogLines(stateDir: string): Promise<string[]> {
  let handle;
  try {
    handle = await open(hostLogPath(stateDir), 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, READ_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split(/\r?\n/);
    // Reading from the middle of the file starts mid-line: drop that partial line.
    if (length < size) lines.shift();
    return lines.filter((line) => line.trim() !== '');
  } finally {
    await handle.close();
  }
}

/** Sets a large log aside before a new host appends to it, keeping one previous generation. */
export async function rotateHostLog(stateDir: string): Promise<void> {
  const path = hostLogPath(stateDir);
  try {
    if ((await stat(path)).size > ROTATE_BYTES) await rename(path, `${path}.1`);
  } catch {
    // No log yet: nothing to set aside.
  }
}
