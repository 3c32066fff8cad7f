/**
 * The one description of how a local service host is found, shared by the host that writes
 * it and every launcher and client that reads it (the CLI and the extension alike):
 *
 *   <state>/host.json   {"url", "adminToken", "pid", "modelStore"}, mode 0600 (the token is a
 *                       secret). Written once the host listens, removed at a graceful stop.
 *   <state>/host.port   the port the host last listened on; kept after a stop so the next host
 *                       listens there again (when free) and copied scoring URIs keep working.
 *   <state>/host.log    the output of a host started in the background (see hostLauncher.ts).
 *
 * That two hosts never share a folder is the lock's work (stateLock.ts), not these files'.
 */
import { readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../common/atomicFile';

export const HOST_FILE = 'host.json';
export const HOST_PORT_FILE = 'host.port';
export const HOST_LOG = 'host.log';
/** Names the state folder for every command and the extension, unless a flag or setting names another. */
export const STATE_DIR_ENV = 'FPGA_STATE_DIR';

export interface HostFile {
  url: string;
  adminToken: string;
  pid: number;
  /** The model store the host was started with (absolute): callers compare it with their own. */
  modelStore: string;
}

/**
 * The state folder when no `--state` is given: `$FPGA_STATE_DIR`, else the extension's
 * `fpga.localHost.stateFolder` setting (when the caller is VS Code), else `~/.fpga/local-host`.
 * One folder per user, so the CLI and every VS Code window share one Local workspace.
 */
export function defaultStateDir(setting?: string): string {
  const chosen = [process.env[STATE_DIR_ENV], setting].find((value) => value !== undefined && value.trim() !== '');
  if (chosen === undefined) return join(homedir(), '.fpga', 'local-host');
  const path = chosen.trim();
  return resolve(path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path);
}

export function hostFilePath(stateDir: string): string {
  return join(stateDir, HOST_FILE);
}

export async function writeHostFile(stateDir: string, content: HostFile): Promise<void> {
  await writeFileAtomic(hostFilePath(stateDir), JSON.stringify(content, null, 2) + '\n', 0o600);
}

/** The host.json of `stateDir`, or undefined when it is missing or half-written (no host, or not yet). */
export async function readHostFile(stateDir: string): Promise<HostFile | undefined> {
  try {
    const json = JSON.parse(await readFile(hostFilePath(stateDir), 'utf8')) as Partial<HostFile>;
    if (typeof json.url === 'string' && typeof json.adminToken === 'string' && typeof json.pid === 'number') {
      // A host of an earlier version did not record its store; '' reads as "unknown".
      return { url: json.url, adminToken: json.adminToken, pid: json.pid, modelStore: typeof json.modelStore === 'string' ? json.modelStore : '' };
    }
  } catch {
    // Missing or half-written: the host is not (yet) there.
  }
  return undefined;
}

/** Only our own host.json: a newer host may already have replaced it. */
export async function removeHostFile(stateDir: string, adminToken: string): Promise<void> {
  const path = hostFilePath(stateDir);
  try {
    const current = JSON.parse(await readFile(path, 'utf8')) as { adminToken?: unknown };
    if (current.adminToken === adminToken) await rm(path, { force: true });
  } catch {
    // Already gone or unreadable: nothing of ours to remove.
  }
}

/** The port a host of this folder last listened on, or undefined. */
export async function readLastPort(stateDir: string): Promise<number | undefined> {
  try {
    const port = Number((await readFile(join(stateDir, HOST_PORT_FILE), 'utf8')).trim());
    return Number.isInteger(port) && port > 0 && port <= 65535 ? port : undefined;
  } catch {
    return undefined;
  }
}

export async function writeLastPort(stateDir: string, port: number): Promise<void> {
  await writeFileAtomic(join(stateDir, HOST_PORT_FILE), `${port}\n`, 0o600);
}
