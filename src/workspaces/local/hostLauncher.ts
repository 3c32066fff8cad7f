/**
 * Finds the local service host of a state folder, or starts one: the one module that does
 * so, for the CLI (`fpga deploy`) and the extension alike. A started host is a detached
 * `fpga serve` in a process group of its own, its output appended to `<state>/host.log`:
 * it outlives the command, window or VS Code that started it, and whoever comes next adopts
 * it through `host.json`. When several callers start one at once (two `fpga deploy` on a
 * cold folder, two windows), the state folder's lock lets one host win, and every caller
 * adopts that host.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../../common/errors';
import { readHostFile } from '../../service/hostFile';
import type { HostFile } from '../../service/hostFile';
import { stateFolderHolder } from '../../service/stateLock';
import { HostClient } from './hostClient';
import { hostLogPath, lastHostLogLine, rotateHostLog } from './hostLog';

const START_TIMEOUT_MS = 60_000;
const POLL_MS = 100;

export interface LaunchOptions {
  /** The `fpga` CLI script that runs `serve` (dist/cli.js). */
  cliPath: string;
  /** The host's model store (`--model-store`); left out, the host resolves it from its environment. */
  modelStore?: string;
  /** A fixed port (`--port`); left out, the folder's last port when free, else any. */
  port?: number;
  /** Further `fpga serve` arguments, e.g. ["--engine", "onnx"]. */
  serveArgs?: string[];
}

export interface LaunchedHost {
  host: HostFile;
  /** False when another caller's host won the folder's lock and this call adopted it. */
  started: boolean;
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
  return (await findHost(stateDir)) ?? (await launchHost(stateDir, options)).host;
}

/** Starts a background host for `stateDir` and waits until it (or the host that won the folder's lock) answers. */
export async function launchHost(stateDir: string, options: LaunchOptions): Promise<LaunchedHost> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  await rotateHostLog(stateDir);
  const logPath = hostLogPath(stateDir);
  // The host tightens the folder at start; the log must not be readable before that either.
  const log = openSync(logPath, 'a', 0o600);
  const args = [options.cliPath, 'serve', '--state', stateDir];
  if (options.modelStore !== undefined) args.push('--model-store', options.modelStore);
  if (options.port !== undefined) args.push('--port', String(options.port));
  args.push(...(options.serveArgs ?? []));
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', log, log],
    // In VS Code's extension host process.execPath is Electron: this makes it run as plain Node
    // (plain Node ignores the variable).
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  closeSync(log);
  let exit: string | undefined;
  child.once('error', (error) => (exit = error.message));
  child.once('exit', (code, signal) => (exit = signal ? `stopped by ${signal}` : `exit code ${code ?? 'unknown'}`));
  child.unref();

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    // Ours, or the one that won the folder's lock from it (ours then exits, naming the winner).
    const host = await findHost(stateDir);
    if (host) return { host, started: host.pid === child.pid };
    if (exit !== undefined && !(await stateFolderHolder(stateDir))) {
      throw new UserError(`the local service host stopped at start (${exit}): ${(await lastHostLogLine(stateDir)) ?? 'no output'} — see ${logPath}`);
    }
    await sleep(POLL_MS);
  }
  child.kill();
  throw new UserError(`the local service host did not start within ${START_TIMEOUT_MS / 1000} s; see ${logPath}`);
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
    await sleep(POLL_MS);
  }
  throw new UserError(`the local service host (pid ${host.pid}) did not stop within ${timeoutMs / 1000} s`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A host that has exited but whose parent (the window or command that started it) has not
  // collected it yet still has a pid; it serves nothing and holds nothing, so it has stopped.
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc to ask: the signal test is all there is
  }
}
