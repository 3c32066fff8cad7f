import * as path from 'node:path';
import * as vscode from 'vscode';
import { plainNotificationText } from '../../common/displayText';
import { messageOf } from '../../common/errors';
import type { ServiceInfo, Workspace } from '../../workspaces/workspace';
import type { ClassifiedImage, ErrorAction, ErrorMessage, FailureKind, HostToWebviewMessage, PanelAction, ResultMessage } from '../../../webview/protocol';
import { isWebviewToHostMessage } from '../../../webview/protocol';
import { getLog } from '../log';
import { failureKind } from './classifyFailure';
import { imageDataUri, resultJson, toResultMessage } from './classifyResult';
import { panelHtml } from './panelHtml';
import { NoHealthyServiceError, pickHealthyService } from './pickService';

const log = getLog('classify');
const VIEW_TYPE = 'fpga.classify';
/** A service that is still loading after the host (re)started gets this long to turn Healthy. */
const TRANSITION_WAIT_MS = 120_000;
const TRANSITION_POLL_MS = 500;
const MAX_PREVIEW_BYTES = 16 * 1024 * 1024;

/** What a panel ended with: the result it shows, or the error (with its actions) it shows instead. */
export type ClassifyOutcome = ResultMessage | ErrorMessage;

/** What the panel needs from the rest of the extension; the command passes it in. */
export interface ClassifyEnvironment {
  readonly extensionUri: vscode.Uri;
  /** Where the last service used is remembered (the extension's globalState). */
  readonly memento: vscode.Memento;
  /**
   * The workspace whose services classify: the Local workspace when its host is running,
   * undefined when it is not (the panel then offers to start it). Asked again on every run,
   * so a host started meanwhile is found.
   */
  workspace(): Promise<Workspace | undefined>;
}

export interface ClassifyEvent {
  readonly imageUri: vscode.Uri;
  readonly outcome: ClassifyOutcome;
}

const panels = new Map<string, ClassifyPanel>();
const outcomes = new Map<string, ClassifyOutcome>();
const classified = new vscode.EventEmitter<ClassifyEvent>();

/**
 * Fires each time a panel finished a classification, with what it then shows (a result or
 * an error): a hook for integration tests and for anything that follows results.
 */
export const onDidClassify = classified.event;

/** What the open panel of this image last finished with (a result or an error), if it ran. */
export function lastClassification(imageUri: vscode.Uri): ClassifyOutcome | undefined {
  return outcomes.get(imageUri.toString());
}

/**
 * Shows the image's panel (one per image: an existing one is revealed and runs again) and
 * classifies the image with `service`; without one, the panel asks. Resolves with what the
 * panel shows once the classification ends.
 */
export function showClassifyPanel(environment: ClassifyEnvironment, imageUri: vscode.Uri, service: string | undefined): Promise<ClassifyOutcome> {
  const key = imageUri.toString();
  let panel = panels.get(key);
  if (panel) {
    panel.update(environment, service);
    panel.reveal();
  } else {
    panel = new ClassifyPanel(environment, imageUri, service);
    panels.set(key, panel);
  }
  return panel.run();
}

class ClassifyPanel {
  private readonly panel: vscode.WebviewPanel;
  private readonly name: string;
  private readonly disposables: vscode.Disposable[] = [];
  /** The last message posted (or to post once the page says ready). */
  private shown: HostToWebviewMessage | undefined;
  private image: ClassifiedImage | undefined;
  private ready = false;
  private disposed = false;
  /** Each run takes a number; only the newest may post, so a slow earlier answer never overwrites a newer one. */
  private runs = 0;

  constructor(
    private environment: ClassifyEnvironment,
    private readonly imageUri: vscode.Uri,
    private service: string | undefined,
  ) {
    this.name = path.posix.basename(imageUri.path);
    const { extensionUri } = environment;
    this.panel = vscode.window.createWebviewPanel(VIEW_TYPE, vscode.l10n.t('Classify {0}', this.name), vscode.ViewColumn.Active, {
      enableScripts: true,
      // Not retained while hidden (a page costs memory); the page repaints from getState and the host re-posts on `ready`.
      retainContextWhenHidden: false,
      // The image arrives as a data: URI, so the user's folders never become resource roots.
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    const { webview } = this.panel;
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'classify.css')).toString(),
      title: vscode.l10n.t('Classify {0}', this.name),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      // A hidden page is discarded; the one that replaces it says `ready` again.
      this.panel.onDidChangeViewState(() => {
        if (!this.panel.visible) this.ready = false;
      }),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  update(environment: ClassifyEnvironment, service: string | undefined): void {
    this.environment = environment;
    if (service) this.service = service;
  }

  reveal(): void {
    this.panel.reveal();
  }

  async run(): Promise<ClassifyOutcome> {
    const run = ++this.runs;
    const outcome = await this.classify(run);
    // An answer overtaken by a newer run is returned to its caller but neither shown nor recorded.
    if (run === this.runs && !this.disposed) {
      this.post(outcome);
      outcomes.set(this.imageUri.toString(), outcome);
      classified.fire({ imageUri: this.imageUri, outcome });
    }
    return outcome;
  }

  private async classify(run: number): Promise<ClassifyOutcome> {
    const busy = (): void => {
      if (run === this.runs) this.post({ type: 'busy', image: this.image, service: this.service });
    };
    busy();
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(this.imageUri);
    } catch (error) {
      log.warn(`cannot read ${this.imageUri.toString()}: ${messageOf(error)}`);
      this.image = undefined;
      return this.failure('unreadable', vscode.l10n.t('{0} cannot be read.', this.name), messageOf(error));
    }
    // A preview of a huge file would copy it into the page and its saved state; the service refuses such files anyway (413).
    this.image = { name: this.name, src: bytes.length <= MAX_PREVIEW_BYTES ? imageDataUri(bytes, this.name) : '' };
    busy();

    try {
      const workspace = await this.environment.workspace();
      if (!workspace) return this.hostDown();
      if (!this.service) {
        this.service = await pickHealthyService(workspace, this.environment.memento, { imageName: this.name });
        if (!this.service) {
          return this.failure('noService', vscode.l10n.t('Choose a service to classify {0}.', this.name), undefined, ['switchService']);
        }
        busy();
      }
      const service = this.service;
      await this.waitWhileTransitioning(workspace, service);
      const started = performance.now();
      const classification = await workspace.classify(service, bytes);
      const roundTripMs = performance.now() - started;
      log.info(`${this.name} on ${service}: ${classification.predictions[0]?.label ?? 'no classes'} in ${Math.round(roundTripMs)} ms`);
      return toResultMessage(this.image, service, classification, roundTripMs);
    } catch (error) {
      return this.failureOf(error);
    }
  }

  /** A host that just started restores its services; classifying waits for them instead of failing with 503. */
  private async waitWhileTransitioning(workspace: Workspace, service: string): Promise<void> {
    const deadline = Date.now() + TRANSITION_WAIT_MS;
    let info: ServiceInfo = await workspace.getService(service);
    while (info.state === 'Transitioning' && Date.now() < deadline && !this.disposed) {
      await new Promise((resolve) => setTimeout(resolve, TRANSITION_POLL_MS));
      info = await workspace.getService(service);
    }
  }

  private failureOf(error: unknown): ErrorMessage {
    if (error instanceof NoHealthyServiceError) {
      return this.failure('noService', error.message, undefined, ['deploy', 'runAgain']);
    }
    const kind = failureKind(error);
    log.warn(`classifying ${this.name} with ${this.service ?? 'no service'} failed (${kind}): ${messageOf(error)}`);
    const text = messageOf(error);
    switch (kind) {
      case 'hostDown':
        // HostClient's text advises CLI commands; in the panel, the Start Local Host button is the advice.
        return this.hostDown();
      case 'unauthorized':
        return this.failure(kind, vscode.l10n.t('The service rejected its key.'), text, ['runAgain', 'switchService']);
      // The service's own words say what is wrong (not Healthy, not an image it can decode): shown as they are.
      case 'unavailable':
        return this.failure(kind, text, undefined, ['switchService', 'runAgain']);
      // Usually the file itself (not an image the service decodes): Run Again once it is fixed.
      case 'rejected':
        return this.failure(kind, text, undefined, ['runAgain', 'switchService']);
      default:
        log.error(`classifying ${this.name} failed`, error);
        return this.failure(kind, vscode.l10n.t('Classifying {0} failed.', this.name), text, ['runAgain', 'showLog']);
    }
  }

  private hostDown(): ErrorMessage {
    return this.failure('hostDown', vscode.l10n.t('The local service host is not running.'), undefined, ['startLocalHost', 'showLog']);
  }

  private failure(kind: FailureKind, message: string, detail: string | undefined, actions: PanelAction[] = ['runAgain']): ErrorMessage {
    return {
      type: 'error',
      kind,
      message,
      ...(detail !== undefined && detail !== message ? { detail } : {}),
      actions: actions.map(actionLabel),
      ...(this.image ? { image: this.image } : {}),
      ...(this.service ? { service: this.service } : {}),
    };
  }

  private post(message: HostToWebviewMessage): void {
    this.shown = message;
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(message);
  }

  private receive(message: unknown): void {
    if (!isWebviewToHostMessage(message)) {
      log.warn(`ignored an unexpected message from the classify panel: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    if (message.type === 'ready') {
      this.ready = true;
      if (this.shown) void this.panel.webview.postMessage(this.shown);
      return;
    }
    void this.act(message.action).catch((error: unknown) => {
      log.error(`the classify panel's ${message.action} failed`, error);
      void vscode.window.showErrorMessage(vscode.l10n.t('FPGA: {0}', plainNotificationText(messageOf(error))));
    });
  }

  private async act(action: PanelAction): Promise<void> {
    switch (action) {
      case 'runAgain':
        await this.run();
        return;
      case 'switchService':
        await this.switchService();
        return;
      case 'copyResult':
        await this.copyResult();
        return;
      case 'startLocalHost':
        this.post({ type: 'busy', image: this.image, service: this.service });
        await vscode.commands.executeCommand('fpga.startLocalHost');
        await this.run();
        return;
      case 'deploy':
        await vscode.commands.executeCommand('fpga.deploy');
        return;
      case 'showLog':
        await vscode.commands.executeCommand('fpga.showLog');
        return;
    }
  }

  private async switchService(): Promise<void> {
    let workspace: Workspace | undefined;
    try {
      workspace = await this.environment.workspace();
      if (!workspace) {
        this.post(this.hostDown());
        return;
      }
      const chosen = await pickHealthyService(workspace, this.environment.memento, { imageName: this.name, current: this.service, alwaysAsk: true });
      if (!chosen) return;
      this.service = chosen;
    } catch (error) {
      this.post(this.failureOf(error));
      return;
    }
    await this.run();
  }

  private async copyResult(): Promise<void> {
    if (this.shown?.type !== 'result') return;
    const where = this.imageUri.scheme === 'file' ? this.imageUri.fsPath : this.imageUri.toString();
    await vscode.env.clipboard.writeText(resultJson(this.shown, where));
    vscode.window.setStatusBarMessage(vscode.l10n.t('$(check) Classification of {0} copied as JSON', this.name), 3000);
  }

  private dispose(): void {
    this.disposed = true;
    const key = this.imageUri.toString();
    if (panels.get(key) === this) {
      panels.delete(key);
      // The outcome holds the image's bytes (its data: URI): gone with the panel.
      outcomes.delete(key);
    }
    for (const disposable of this.disposables) disposable.dispose();
  }
}

function actionLabel(action: PanelAction): ErrorAction {
  const labels: Record<PanelAction, string> = {
    runAgain: vscode.l10n.t('Run Again'),
    switchService: vscode.l10n.t('Switch Service'),
    copyResult: vscode.l10n.t('Copy Result JSON'),
    startLocalHost: vscode.l10n.t('Start Local Host'),
    deploy: vscode.l10n.t('Deploy…'),
    showLog: vscode.l10n.t('Show Log'),
  };
  return { action, label: labels[action] };
}
