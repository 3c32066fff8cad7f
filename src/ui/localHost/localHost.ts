import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as vscode from 'vscode';
import { UserError, messageOf } from '../../common/errors';
import { stateFolderHolder } from '../../service/stateLock';
import type { HostFile } from '../../workspaces/local/hostFile';
import { findHost, stopHost } from '../../workspaces/local/hostLauncher';
import { LocalWorkspace } from '../../workspaces/local/localWorkspace';
import { getLog } from '../log';
import { configuredModelStore } from '../modelStoreSetting';

const HOST_CHANNEL = 'FPGA Local Host';
const START_TIMEOUT_MS = 60_000;
/** How long deactivate waits for the host to finish requests and save its state. */
const STOP_TIMEOUT_MS = 10_000;
/** The host's recent output kept for Show Log on one service: enough for a session, bounded. */
const RECENT_LINES = 5000;

export type LocalHostState = 'stopped' | 'starting' | 'running';

const log = getLog('local-host');

/**
 * The Local workspace's service host: a `fpga serve` child process the extension starts on
 * demand (or a host already serving the same state folder, e.g. left by an earlier window),
 * its output in the "FPGA Local Host" log, and its stop on deactivate when this extension
 * started it.
 */
export class LocalHost implements vscode.Disposable {
  /** The host's state folder: registered models (`models/<sha256>.zip`), services, host.json. */
  readonly stateDir: string;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the host starts, stops or exits. */
  readonly onDidChange = this.changed.event;
  private host: HostFile | undefined;
  private child: ChildProcess | undefined;
  private starting: Promise<HostFile> | undefined;
  private channel: vscode.LogOutputChannel | undefined;
  private lastExit: string | undefined;
  private readonly recent: string[] = [];
  /** Set when the user stopped it or it exited: the tree then offers Start instead of starting it again. */
  private stoppedOnPurpose = false;

  constructor(private readonly extensionUri: vscode.Uri, globalStorageUri: vscode.Uri) {
    this.stateDir = join(globalStorageUri.fsPath, 'local-host');
  }

  get state(): LocalHostState {
    if (this.host) return 'running';
    return this.starting ? 'starting' : 'stopped';
  }

  /** Why the host last stopped when the extension did not stop it, for the tree and status bar. */
  get exitReason(): string | undefined {
    return this.lastExit;
  }

  /** Whether opening the Local workspace may start the host by itself (not after a stop or a crash). */
  get mayAutoStart(): boolean {
    return !this.stoppedOnPurpose;
  }

  get workspace(): LocalWorkspace | undefined {
    return this.host ? new LocalWorkspace(this.host) : undefined;
  }

  /**
   * The running host's workspace without starting one: adopts a host already serving the
   * state folder, and notices when an adopted one (not our child, so no exit event) is gone.
   */
  async attach(): Promise<LocalWorkspace | undefined> {
    if (this.host && !this.child && !(await findHost(this.stateDir))) {
      log.warn(`the local service host at ${this.host.url} is no longer answering`);
      this.host = undefined;
      this.lastExit = vscode.l10n.t('it stopped answering');
      this.stoppedOnPurpose = true;
      this.changed.fire();
    }
    if (!this.host && !this.starting) {
      const found = await findHost(this.stateDir);
      if (found && !this.host) {
        this.host = found;
        log.info(`using the local service host already running at ${found.url} (pid ${found.pid})`);
        this.changed.fire();
      }
    }
    return this.workspace;
  }

  /** The running host's workspace, starting the host when none answers. */
  async start(): Promise<LocalWorkspace> {
    if (this.host && (await findHost(this.stateDir))) return new LocalWorkspace(this.host);
    this.host = undefined;
    this.starting ??= this.launch().finally(() => {
      this.starting = undefined;
      this.changed.fire();
    });
    this.changed.fire();
    return new LocalWorkspace(await this.starting);
  }

  /** Stops the host (SIGTERM: it finishes requests in flight and saves its state). */
  async stop(): Promise<void> {
    this.stoppedOnPurpose = true;
    const host = this.host ?? (await findHost(this.stateDir));
    this.host = undefined;
    if (host) {
      log.info(`stopping the local service host (pid ${host.pid})`);
      await stopHost(host, STOP_TIMEOUT_MS);
    }
    this.child = undefined;
    this.changed.fire();
  }

  /** On deactivate: stop the host only if this extension started it; another owner keeps its own. */
  async stopIfStarted(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || !this.host) return;
    log.info('stopping the local service host this window started');
    try {
      await stopHost(this.host, STOP_TIMEOUT_MS);
    } catch (error) {
      log.error('the local service host did not stop in time; killing it', error);
      child.kill('SIGKILL');
    }
  }

  showLog(): void {
    this.output().show(true);
  }

  /**
   * The lines of the host's output (since this window started it) that name `service`, or
   * undefined when this window did not start the host and so never saw its output.
   */
  linesAbout(service: string): string[] | undefined {
    if (this.recent.length === 0 && !this.child) return undefined;
    // Service names are lowercase letters, digits and '-': no regular-expression characters to escape.
    const word = new RegExp(`(^|[^a-z0-9-])${service}($|[^a-z0-9-])`);
    return this.recent.filter((line) => word.test(line));
  }

  dispose(): void {
    this.changed.dispose();
    this.channel?.dispose();
  }

  private output(): vscode.LogOutputChannel {
    this.channel ??= vscode.window.createOutputChannel(HOST_CHANNEL, { log: true });
    return this.channel;
  }

  private async launch(): Promise<HostFile> {
    const existing = await findHost(this.stateDir);
    if (existing) {
      log.info(`using the local service host already running at ${existing.url} (pid ${existing.pid})`);
      return this.adopt(existing);
    }
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const args = this.serveArgs();
    log.info(`starting the local service host: ${args.join(' ')}`);
    // The extension host's own runtime runs the CLI: no separate Node installation is needed.
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.stoppedOnPurpose = false;
    this.lastExit = undefined;
    const output = this.output();
    // The host writes its progress to stderr too, so the level comes from what a line says.
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        if (line.trim() === '') continue;
        this.recent.push(line);
        if (this.recent.length > RECENT_LINES) this.recent.splice(0, this.recent.length - RECENT_LINES);
        if (/\b(error|failed|unexpected)\b/i.test(line)) output.error(line);
        else output.info(line);
      }
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    let exit: string | undefined;
    child.once('error', (error) => (exit = messageOf(error)));
    child.once('exit', (code, signal) => {
      exit = signal ? `stopped by ${signal}` : `exit code ${code ?? 'unknown'}`;
      this.onExit(child, exit);
    });

    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      // Ours, or the host of another window or `fpga deploy` that won the state folder's lock
      // (ours then exits, saying which host holds the folder).
      const host = await findHost(this.stateDir);
      if (host) {
        log.info(`local service host listening at ${host.url} (pid ${host.pid})`);
        if (host.pid !== child.pid) this.child = undefined;
        return this.adopt(host);
      }
      if (exit !== undefined && !(await stateFolderHolder(this.stateDir))) {
        throw new UserError(vscode.l10n.t('The local service host stopped while starting ({0}); see the FPGA Local Host log.', exit));
      }
      await sleep(100);
    }
    child.kill();
    throw new UserError(vscode.l10n.t('The local service host did not start within {0} s; see the FPGA Local Host log.', START_TIMEOUT_MS / 1000));
  }

  private adopt(host: HostFile): HostFile {
    this.host = host;
    this.stoppedOnPurpose = false;
    this.lastExit = undefined;
    return host;
  }

  private onExit(child: ChildProcess, reason: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    const expected = this.stoppedOnPurpose;
    this.host = undefined;
    if (expected) {
      log.info(`local service host stopped (${reason})`);
    } else {
      this.lastExit = reason;
      this.stoppedOnPurpose = true;
      log.error(`the local service host exited unexpectedly (${reason}); see the FPGA Local Host log`);
    }
    this.changed.fire();
  }

  private serveArgs(): string[] {
    const config = vscode.workspace.getConfiguration();
    const store = configuredModelStore();
    const port = config.get<number>('fpga.localHost.port') ?? 0;
    const cli = vscode.Uri.joinPath(this.extensionUri, 'dist', 'cli.js').fsPath;
    return [cli, 'serve', '--state', this.stateDir, '--model-store', store, ...(port !== 0 ? ['--port', String(port)] : [])];
  }
}
