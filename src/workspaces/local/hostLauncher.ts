/**
 * Finds the local service host of a state folder, or starts one in the background: a
 * detached `fpga serve` whose output goes to `<state>/host.log`, so it outlives the CLI
 * call that started it. When several callers start one at once (two `fpga deploy` on a cold
 * folder), the state folder's lock lets one host win, and every caller adopts that host.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../../common/errors';
import { stateFolderHolder } from '../../service/stateLock';
import { HostClient } from './hostClient';
import { readHostFile } from './hostFile';
import type { HostFile } from './hostFile';

export const HOST_LOG = 'host.log';
const START_TIMEOUT_MS = 60_000;

export interface LaunchOptions {
  /** The `fpga` CLI script that runs `serve` (dist/cli.js). */
  cliPath: string;
  /** Passed to the host as FPGA_MODEL_STORE. */
  modelStore?: string;
  /** Extra `fpga serve` arguments, e.g. ["--port", "8080"]. */
  serveArgs?: string[];
}

/** The host of `stateDir` if it answers, else undefined. */
export async function findHost(stateDir: string): Promise<HostFile | undefined> {
  const host = await readHostFile(stateDir);
  if (!host) return undefined;
  try {
    await new HostClient(host).request('/admin/host', { timeoutMs: 5_000 });
    return host;
  } catch {
    return undefined;
  }
}

export async function findOrStartHost(stateDir: string, options: LaunchOptions): Promise<HostFile> {
  return (await findHost(stateDir)) ?? startHost(stateDir, options);
}

async function startHost(stateDir: string, options: LaunchOptions): Promise<HostFile> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const logPath = join(stateDir, HOST_LOG);
  // The host tightens the folder at start; the log must not be readable before that either.
  const log = openSync(logPath, 'a', 0o600);
  const env = { ...process.env, ...(options.modelStore ? { FPGA_MODEL_STORE: options.modelStore } : {}) };
  const child = spawn(process.execPath, [options.cliPath, 'serve', '--state', stateDir, ...(options.serveArgs ?? [])], {
    detached: true,
    stdio: ['ignore', log, log],
    env,
  });
  closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    // Ours, or the one that won the folder's lock from it.
    const host = await findHost(stateDir);
    if (host) return host;
    if (exited !== undefined && !(await stateFolderHolder(stateDir))) {
      throw new UserError(`the local service host stopped at start (exit code ${exited}): ${lastLine(logPath)} — see ${logPath}`);
    }
    await sleep(100);
  }
  child.kill();
  throw new UserError(`the local service host did not start within ${START_TIMEOUT_MS / 1000} s; see ${logPath}`);
}

function lastLine(path: string): string {
  try {
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    return lines[lines.length - 1] ?? 'no output';
  } catch {
    return 'no output';
  }
}

/**
 * Asks a host to stop (SIGTERM: it finishes in-flight requests and saves its state) and
 * waits until it has; true when one was running.
 */
export async function stopHost(host: HostFile, timeoutMs = 15_000): Promise<boolean> {
  try {
    process.kill(host.pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(host.pid)) return true;
    await sleep(100);
  }
  throw new UserError(`the local service host (pid ${host.pid}) did not stop within ${timeoutMs / 1000} s`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
