/**
 * `host.json` in the state folder: where the running host listens, its admin token and its
 * pid (mode 0600: the token is a secret). Written at start, removed at a graceful stop, and
 * checked at start so that two hosts never share one state folder.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../common/errors';
import { writeFileAtomic } from '../common/atomicFile';

export const HOST_FILE = 'host.json';

export interface HostFileContent {
  url: string;
  adminToken: string;
  pid: number;
}

export function hostFilePath(stateDir: string): string {
  return join(stateDir, HOST_FILE);
}

export async function writeHostFile(stateDir: string, content: HostFileContent): Promise<void> {
  await writeFileAtomic(hostFilePath(stateDir), JSON.stringify(content, null, 2) + '\n', 0o600);
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

/**
 * Two hosts on one state folder would overwrite each other's state. A host.json whose
 * host still answers with its token and pid means one is running; a stale one (after
 * kill -9, even if the pid or the port has been reused since) is simply replaced.
 */
export async function refuseSecondHost(stateDir: string): Promise<void> {
  let recorded: { url?: unknown; pid?: unknown; adminToken?: unknown };
  try {
    recorded = JSON.parse(await readFile(hostFilePath(stateDir), 'utf8')) as typeof recorded;
  } catch {
    return;
  }
  const { url, pid, adminToken } = recorded;
  if (typeof url !== 'string' || typeof pid !== 'number' || typeof adminToken !== 'string' || pid === process.pid) return;
  if (!processExists(pid)) return;
  try {
    const response = await fetch(new URL('/admin/host', url), { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(1000) });
    const info = (await response.json()) as { pid?: unknown };
    if (!response.ok || info.pid !== pid) return;
  } catch {
    return;
  }
  throw new UserError(`another service host (pid ${pid}) is serving ${stateDir} at ${url}; stop it first or use another --state folder`);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
