import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { UserError, messageOf } from '../../common/errors';
import { defaultStateDir } from '../../service/hostFile';
import type { HostFile } from '../../service/hostFile';
import { findHost, launchHost, stopHost } from '../../workspaces/local/hostLauncher';
import { hostLogLinesAbout, hostLogPath, lastHostLogLine } from '../../workspaces/local/hostLog';
import { LocalWorkspace } from '../../workspaces/local/localWorkspace';
import { moveLegacyStateFolder } from '../../workspaces/local/savedState';
import { getLog } from '../log';
import { chosenModelStoreSetting, configuredModelStore } from '../modelStoreSetting';

/** How long a stop waits for the host to finish requests and save its state. */
const STOP_TIMEOUT_MS = 10_000;
/** How often an adopted host is checked, so the tree and status bar notice one that went away. */
const WATCH_MS = 15_000;

export const STATE_FOLDER_SETTING = 'fpga.localHost.stateFolder';
export const PORT_SETTING = 'fpga.localHost.port';
export const KEEP_RUNNING_SETTING = 'fpga.localHost.keepRunning';

export type LocalHostState = 'stopped' | 'starting' | 'running';

const log = getLog('local-host');

/**
 * The Local workspace's service host, one per user: the host of the state folder that the
 * `fpga` CLI uses too (`$FPGA_STATE_DIR`, the fpga.localHost.stateFolder setting, else
 * ~/.fpga/local-host). Every window adopts the host that is running; when none is, this
 * window starts one in the background (hostLauncher.ts), which outlives window reloads and
 * VS Code itself. With fpga.localHost.keepRunning off, the window that started the host
 * stops it when that window closes.
 */
export class LocalHost implements vscode.Disposable {
  /** The host's state folder: registered models (`models/<sha256>.zip`), services, host.json, host.log. */
  readonly stateDir: string;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the host starts, stops or goes away. */
  readonly onDidChange = this.changed.event;
  private host: HostFile | undefined;
  private cached: { host: HostFile; workspace: LocalWorkspace } | undefined;
  private starting: Promise<HostFile> | undefined;
  /** This window launched the running host (what keepRunning=false stops on close). */
  private startedHere = false;
  private lastExit: string | undefined;
  /** Set when the user stopped it or it went away: the tree then offers Start instead of starting it again. */
  private stoppedOnPurpose = false;
  private watch: NodeJS.Timeout | undefined;
  /** Hosts already told about (pid and store), so that a mismatch is reported once, not at every refresh. */
  private readonly storeWarnings = new Set<string>();
  /** Settles once the models and services of an earlier version's own folder are in the shared one. */
  private readonly legacyMoved: Promise<void>;

  constructor(
    private readonly extensionUri: vscode.Uri,
    globalStorageUri: vscode.Uri,
  ) {
    this.stateDir = defaultStateDir(vscode.workspace.getConfiguration().get<string>(STATE_FOLDER_SETTING));
    const legacyDir = vscode.Uri.joinPath(globalStorageUri, 'local-host').fsPath;
    this.legacyMoved = moveLegacyStateFolder(legacyDir, this.stateDir).then(
      (moved) => {
        if (moved) log.info(`moved the Local workspace of an earlier version from ${legacyDir} to ${this.stateDir}, which the fpga command line shares`);
      },
      (error: unknown) => log.warn(`the Local workspace of an earlier version stays in ${legacyDir}: ${messageOf(error)}`),
    );
  }

  get state(): LocalHostState {
    if (this.host) return 'running';
    return this.starting ? 'starting' : 'stopped';
  }

  /** Why the host last went away when no window stopped it, for the tree and status bar. */
  get exitReason(): string | undefined {
    return this.lastExit;
  }

  /** Whether opening the Local workspace may start the host by itself (not after a stop or a crash). */
  get mayAutoStart(): boolean {
    return !this.stoppedOnPurpose;
  }

  /** The running host's workspace: one object per host, so that what it caches (service keys) lasts. */
  get workspace(): LocalWorkspace | undefined {
    if (!this.host) return undefined;
    if (this.cached?.host !== this.host) this.cached = { host: this.host, workspace: new LocalWorkspace(this.host, this.stateDir) };
    return this.cached.workspace;
  }

  /**
   * The running host's workspace without starting one: adopts a host already serving the
   * state folder (another window's, the CLI's, or one left from before a reload), and
   * notices when the host it had is gone.
   */
  async attach(): Promise<LocalWorkspace | undefined> {
    await this.legacyMoved;
    if (this.host && !(await findHost(this.stateDir))) await this.lost();
    if (!this.host && !this.starting) {
      const found = await findHost(this.stateDir);
      if (found && !this.host) {
        log.info(`using the local service host already running at ${found.url} (pid ${found.pid})`);
        this.adopt(found, false);
        this.changed.fire();
      }
    }
    return this.workspace;
  }

  /** The running host's workspace, starting the host when none answers. */
  async start(): Promise<LocalWorkspace> {
    const running = this.host && (await findHost(this.stateDir)) ? this.workspace : undefined;
    if (running) return running;
    this.host = undefined;
    this.starting ??= this.launch().finally(() => {
      this.starting = undefined;
      this.changed.fire();
    });
    this.changed.fire();
    await this.starting;
    const started = this.workspace;
    if (!started) throw new UserError(vscode.l10n.t('The local service host stopped right after it started; see its log (FPGA: Show Log).'));
    return started;
  }

  /** Stops the host (SIGTERM: it finishes requests in flight and saves its state), whoever started it. */
  async stop(): Promise<void> {
    this.stoppedOnPurpose = true;
    const host = this.host ?? (await findHost(this.stateDir));
    this.forget();
    if (host) {
      log.info(`stopping the local service host (pid ${host.pid})`);
      await stopHost(host, STOP_TIMEOUT_MS);
    }
    this.changed.fire();
  }

  /** Stop, then start: how a host picks up a changed model store or port. */
  async restart(): Promise<LocalWorkspace> {
    await this.stop();
    return this.start();
  }

  /**
   * On deactivate (window closed or reloaded, VS Code quitting): the host keeps running for
   * the other windows, the CLI and the clients of its services, unless keepRunning is off and
   * this window started it.
   */
  async onDeactivate(): Promise<void> {
    const keepRunning = vscode.workspace.getConfiguration().get<boolean>(KEEP_RUNNING_SETTING) ?? true;
    if (keepRunning || !this.startedHere || !this.host) return;
    log.info(`stopping the local service host this window started (${KEEP_RUNNING_SETTING} is off)`);
    try {
      await stopHost(this.host, STOP_TIMEOUT_MS);
    } catch (error) {
      log.error('the local service host did not stop in time', error);
    }
  }

  /** Opens `<state>/host.log` (the output of the host, whichever window or command started it) at its end. */
  showLog(): void {
    void this.openLog().catch((error: unknown) => log.error(`cannot open ${hostLogPath(this.stateDir)}`, error));
  }

  /** The lines of host.log that name `service`: its loading, state changes, errors and requests. */
  linesAbout(service: string): Promise<string[]> {
    return hostLogLinesAbout(this.stateDir, service);
  }

  dispose(): void {
    this.stopWatching();
    this.changed.dispose();
  }

  private async openLog(): Promise<void> {
    const path = hostLogPath(this.stateDir);
    if (!existsSync(path)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('The local service host has not written a log yet ({0}).', path));
      return;
    }
    const editor = await vscode.window.showTextDocument(vscode.Uri.file(path), { preview: true });
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    editor.revealRange(new vscode.Range(end, end));
  }

  private async launch(): Promise<HostFile> {
    await this.legacyMoved;
    const existing = await findHost(this.stateDir);
    if (existing) {
      log.info(`using the local service host already running at ${existing.url} (pid ${existing.pid})`);
      return this.adopt(existing, false);
    }
    const port = vscode.workspace.getConfiguration().get<number>(PORT_SETTING) ?? 0;
    const cliPath = vscode.Uri.joinPath(this.extensionUri, 'dist', 'cli.js').fsPath;
    log.info(`starting the local service host for ${this.stateDir} (its output goes to ${hostLogPath(this.stateDir)})`);
    // The extension host's own runtime runs the CLI: no separate Node installation is needed.
    const { host, started } = await launchHost(this.stateDir, {
      cliPath,
      modelStore: configuredModelStore(),
      ...(port !== 0 ? { port } : {}),
    });
    log.info(`local service host listening at ${host.url} (pid ${host.pid}${started ? '' : ', started by another window or command'})`);
    return this.adopt(host, started);
  }

  private adopt(host: HostFile, startedHere: boolean): HostFile {
    this.host = host;
    this.startedHere = startedHere;
    this.stoppedOnPurpose = false;
    this.lastExit = undefined;
    this.startWatching();
    this.warnIfOtherStore(host);
    return host;
  }

  /** The host went away without this window stopping it (another window, `fpga stop`, a crash). */
  private async lost(): Promise<void> {
    const url = this.host?.url;
    this.forget();
    const last = await lastHostLogLine(this.stateDir);
    this.lastExit = last ? vscode.l10n.t('it stopped answering; its log ends: {0}', last) : vscode.l10n.t('it stopped answering');
    this.stoppedOnPurpose = true;
    log.warn(`the local service host at ${url ?? '?'} is no longer answering; see ${hostLogPath(this.stateDir)}`);
    this.changed.fire();
  }

  private forget(): void {
    this.host = undefined;
    this.startedHere = false;
    this.stopWatching();
  }

  private startWatching(): void {
    this.stopWatching();
    this.watch = setInterval(() => {
      if (this.host) void findHost(this.stateDir).then((found) => (found || !this.host ? undefined : this.lost()));
    }, WATCH_MS);
    this.watch.unref();
  }

  private stopWatching(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = undefined;
  }

  /**
   * A host keeps the model store it started with. When the store chosen in this window
   * differs, say which store the host reads and offer the restart that changes it.
   */
  private warnIfOtherStore(host: HostFile): void {
    const wanted = chosenModelStoreSetting();
    if (wanted === undefined || host.modelStore === '' || host.modelStore === wanted) return;
    const key = `${host.pid}:${wanted}`;
    if (this.storeWarnings.has(key)) return;
    this.storeWarnings.add(key);
    log.warn(`the local service host (pid ${host.pid}) reads the model store ${host.modelStore}, not ${wanted}`);
    const restart = vscode.l10n.t('Restart Host');
    void vscode.window
      .showWarningMessage(
        vscode.l10n.t('The local service host reads the model store {0}, not {1} (fpga.modelStore): it keeps the store it started with until it restarts.', host.modelStore, wanted),
        restart,
      )
      .then(async (choice) => {
        if (choice !== restart) return;
        try {
          await this.restart();
        } catch (error) {
          void vscode.window.showErrorMessage(messageOf(error));
        }
      });
  }
}
