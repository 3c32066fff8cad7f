/**
 * `host.json` in the state folder: where the running host listens, its admin token and its
 * pid (mode 0600: the token is a secret). Written at start, removed at a graceful stop. That
 * two hosts never share a folder is the lock's work (stateLock.ts), not this file's.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
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
