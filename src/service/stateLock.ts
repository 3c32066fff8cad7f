/**
 * One host per state folder. The lock is a listening Unix socket in Linux's abstract
 * namespace, named after the folder's real path: binding it is atomic, only one process
 * can hold it, and the kernel releases it when the holder exits in any way (kill -9
 * included). So a lock left by a dead process is never mistaken for a live one, and there
 * is no stale file to remove — removing one is where lock files race (two starters both
 * see it stale, one deletes the other's fresh lock, both run).
 *
 * Whoever connects is told the holder's pid and, once it listens, its URL: that is how a
 * second `fpga serve` says which host holds the folder, and how a launcher waits for the
 * host that won a race instead of failing.
 */
import { createHash } from 'node:crypto';
import { mkdir, realpath } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';
import { UserError, messageOf } from '../common/errors';

export interface LockHolder {
  pid: number;
  /** Empty while the holder is still starting. */
  url: string;
}

export interface StateLock {
  /** Tells later askers where this host listens. */
  setUrl(url: string): void;
  release(): Promise<void>;
}

const ASK_TIMEOUT_MS = 2000;

/** Creates the folder (0700) if needed and takes its lock, or says which host holds it. */
export async function lockStateFolder(stateDir: string): Promise<StateLock> {
  const name = await lockName(stateDir);
  const holder: LockHolder = { pid: process.pid, url: '' };
  const server = createServer((socket) => {
    socket.on('error', () => undefined); // an asker that hangs up early is no concern of the host
    socket.end(JSON.stringify(holder) + '\n');
  });
  try {
    await listen(server, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new UserError(`cannot lock the state folder ${stateDir}: ${messageOf(error)}`);
    throw heldBy(stateDir, await askHolder(name));
  }
  // The lock must not keep a stopping process alive.
  server.unref();
  return {
    setUrl: (url) => {
      holder.url = url;
    },
    release: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The host holding the state folder's lock, or undefined when none does. */
export async function stateFolderHolder(stateDir: string): Promise<LockHolder | undefined> {
  let name: string;
  try {
    name = await lockName(stateDir, false);
  } catch {
    return undefined; // no folder, no host
  }
  return askHolder(name);
}

async function lockName(stateDir: string, create = true): Promise<string> {
  if (create) {
    try {
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new UserError(`cannot create the state folder ${stateDir}: ${messageOf(error)}`);
    }
  }
  // The real path, so that a folder reached through a symbolic link has one lock.
  const digest = createHash('sha256').update(await realpath(stateDir)).digest('hex').slice(0, 32);
  return `\0fpga-model-services-host-${digest}`;
}

function listen(server: Server, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(name, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function askHolder(name: string): Promise<LockHolder | undefined> {
  return new Promise((resolve) => {
    const socket = connect(name);
    let text = '';
    const done = (holder: LockHolder | undefined): void => {
      socket.destroy();
      resolve(holder);
    };
    socket.setTimeout(ASK_TIMEOUT_MS, () => done(undefined));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('end', () => done(parseHolder(text)));
    socket.on('error', () => done(undefined));
  });
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.url === 'string') return { pid: value.pid, url: value.url };
  } catch {
    // Not one of ours.
  }
  return undefined;
}

function heldBy(stateDir: string, holder: LockHolder | undefined): UserError {
  if (!holder) return new UserError(`another process holds the lock of the state folder ${stateDir}; stop the other service host or use another --state folder`);
  const where = holder.url ? ` at ${holder.url}` : ' (still starting)';
  return new UserError(`another service host (pid ${holder.pid}) is serving ${stateDir}${where}; stop it first (fpga stop --state ${stateDir}) or use another --state folder`);
}
