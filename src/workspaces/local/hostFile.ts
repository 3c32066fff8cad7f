/**
 * Where a local service host says it can be reached: `<state>/host.json`, written by
 * `fpga serve` with mode 0600 because it holds the admin token.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface HostFile {
  url: string;
  adminToken: string;
  pid: number;
}

export const HOST_FILE = 'host.json';

/** The state folder when none is given: `$FPGA_STATE_DIR`, else `~/.fpga/local-host`. */
export function defaultStateDir(): string {
  return process.env.FPGA_STATE_DIR || join(homedir(), '.fpga', 'local-host');
}

export async function readHostFile(stateDir: string): Promise<HostFile | undefined> {
  try {
    const json = JSON.parse(await readFile(join(stateDir, HOST_FILE), 'utf8')) as Partial<HostFile>;
    if (typeof json.url === 'string' && typeof json.adminToken === 'string' && typeof json.pid === 'number') {
      return { url: json.url, adminToken: json.adminToken, pid: json.pid };
    }
  } catch {
    // Missing or half-written: the host is not (yet) there.
  }
  return undefined;
}
