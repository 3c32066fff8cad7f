import * as path from 'node:path';
import * as vscode from 'vscode';
import { plainNotificationText } from '../../common/displayText';
import { messageOf } from '../../common/errors';
import type { ServiceInfo, Workspace } from '../../workspaces/workspace';
import { isWorkspaceError } from '../../workspaces/workspaceError';
import type {
  BoardMessage,
  CellMessage,
  ClassifiedImage,
  ErrorAction,
  ErrorMessage,
  FailureKind,
  HostToWebviewMessage,
  PanelAction,
  ResultMessage,
  SessionMessage,
} from '../../../webview/protocol';
import { isWebviewToHostMessage } from '../../../webview/protocol';
import { getLog } from '../log';
import type { ServicesLoaded } from '../workspaceRegistry';
import { failureKind } from './classifyFailure';
import { exportCsv, exportJson, imageDataUri, resultJson, toResultMessage } from './classifyResult';
import type { ExportCell } from './classifyResult';
import { panelHtml } from './panelHtml';
import { NoHealthyServiceError, pickHealthyService } from './pickService';

const log = getLog('classify');
const CLASSIFY_VIEW_TYPE = 'fpga.classify';
/** A service that is still loading after the host (re)started gets this long to turn Healthy. */
const TRANSITION_WAIT_MS = 120_000;
const TRANSITION_POLL_MS = 500;
const MAX_PREVIEW_BYTES = 16 * 1024 * 1024;

/** What a panel ended with: the result or error of one image on one service, or a board of several. */
export type ClassifyOutcome = ResultMessage | ErrorMessage | BoardMessage;

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
  /** Fires when a workspace's services were listed: a panel notices that its service is gone. */
  readonly onDidLoadServices: vscode.Event<ServicesLoaded>;
}

/** What a panel classifies: one image on one service, many images on one (a batch), or one image on several (a comparison). */
export interface ClassifyRequest {
  images: vscode.Uri[];
  /** Empty: the panel asks for one service when it runs. */
  services: string[];
  /** Side by side even with one service so far (Compare Services asked). */
  compare?: boolean;
}

const panels = new Map<string, ClassifyPanel>();

function panelKey(request: ClassifyRequest): string {
  const images = request.images.map((uri) => uri.toString());
  if (request.compare || request.services.length > 1) return `compare:${images.join('|')}`;
  return images.length > 1 ? `batch:${images.join('|')}` : (images[0] ?? '');
}

/**
 * Shows the request's panel (an existing one for the same images is revealed and runs again)
 * and classifies. Resolves with what the panel shows once every classification ended.
 */
export function showClassifyPanel(environment: ClassifyEnvironment, request: ClassifyRequest): Promise<ClassifyOutcome> {
  const key = panelKey(request);
  let panel = panels.get(key);
  if (panel) {
    panel.update(environment, request.services);
    panel.reveal();
  } else {
    panel = new ClassifyPanel(environment, request);
    panels.set(key, panel);
  }
  return panel.run();
}

/**
 * Brings classify panels back after a window reload: VS Code hands back the state the page
 * saved (its session: images and services), and the panel classifies them again.
 */
export function registerClassifyPanelSerializer(environment: ClassifyEnvironment): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(CLASSIFY_VIEW_TYPE, {
    deserializeWebviewPanel: (webviewPanel, state: unknown) => {
      const session = (state as { session?: Partial<SessionMessage> } | undefined)?.session;
      const images = (Array.isArray(session?.images) ? session.images : []).filter((u): u is string => typeof u === 'string').map((u) => vscode.Uri.parse(u));
      const services = (Array.isArray(session?.services) ? session.services : []).filter((s): s is string => typeof s === 'string');
      if (images.length === 0) {
        // Nothing to classify again (a page saved before it knew its images): close it rather than show an empty panel.
        webviewPanel.dispose();
        return Promise.resolve();
      }
      const request: ClassifyRequest = { images, services, compare: services.length > 1 };
      const panel = new ClassifyPanel(environment, request, webviewPanel);
      panels.set(panelKey(request), panel);
      log.info(`restored the classify panel of ${images.length} image(s) on ${services.join(', ') || 'a service to choose'}`);
      void panel.run();
      return Promise.resolve();
    },
  });
}

interface LoadedImage {
  bytes: Uint8Array;
  image: ClassifiedImage;
}

class ClassifyPanel {
  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly images: vscode.Uri[];
  private services: string[];
  private readonly compare: boolean;
  /** Cell per image and service (`image\nservice`), as last shown. */
  private cells = new Map<string, CellMessage>();
  private readonly loaded = new Map<string, LoadedImage>();
  /** The last message shown (or to show once the page says ready). */
  private shown: HostToWebviewMessage | undefined;
  private ready = false;
  private disposed = false;
  /** Each run takes a number; only the newest may post, so a slow earlier answer never overwrites a newer one. */
  private runs = 0;
  private workspaceLabel: string | undefined;

  constructor(
    private environment: ClassifyEnvironment,
    request: ClassifyRequest,
    restored?: vscode.WebviewPanel,
  ) {
    this.images = request.images;
    this.services = [...request.services];
    this.compare = request.compare === true || request.services.length > 1;
    const { extensionUri } = environment;
    const options: vscode.WebviewOptions = {
      enableScripts: true,
      // The images arrive as data: URIs, so the user's folders never become resource roots.
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    const title = this.title();
    if (restored) {
      this.panel = restored;
      this.panel.title = title;
      this.panel.webview.options = options;
    } else {
      this.panel = vscode.window.createWebviewPanel(CLASSIFY_VIEW_TYPE, title, vscode.ViewColumn.Active, {
        ...options,
        // Not retained while hidden (a page costs memory); the page repaints from getState and the host re-posts on `ready`.
        retainContextWhenHidden: false,
      });
    }
    const { webview } = this.panel;
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'classify.css')).toString(),
      title,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      // A hidden page is discarded; the one that replaces it says `ready` again.
      this.panel.onDidChangeViewState(() => {
        if (!this.panel.visible) this.ready = false;
      }),
      this.panel.onDidDispose(() => this.dispose()),
      environment.onDidLoadServices((loaded) => this.noticeDeleted(loaded)),
    );
  }

  private get layout(): 'single' | 'batch' | 'compare' {
    if (this.compare) return 'compare';
    return this.images.length > 1 ? 'batch' : 'single';
  }

  private title(): string {
    const first = this.images[0];
    const name = first ? path.posix.basename(first.path) : '';
    if (this.images.length > 1) return vscode.l10n.t('Classify {0} images', this.images.length);
    return this.compare ? vscode.l10n.t('Compare on {0}', name) : vscode.l10n.t('Classify {0}', name);
  }

  update(environment: ClassifyEnvironment, services: readonly string[]): void {
    this.environment = environment;
    if (services.length === 0) return;
    // A comparison gains the services asked for; a single or batch panel switches to the one asked for.
    this.services = this.compare ? [...new Set([...this.services, ...services])] : [...services];
  }

  reveal(): void {
    this.panel.reveal();
  }

  async run(): Promise<ClassifyOutcome> {
    const run = ++this.runs;
    const current = (): boolean => run === this.runs && !this.disposed;
    // Thumbnails first, so every card (and any error) shows its image; a failed read is reported by its cell.
    for (const image of this.images) await this.load(image).catch(() => undefined);
    this.cells = new Map();
    for (const image of this.images) for (const service of this.servicesOrNone()) this.setCell(image, service, this.busy(image, service));
    this.show();

    let workspace: Workspace | undefined;
    try {
      workspace = await this.environment.workspace();
      if (workspace && this.services.length === 0) await this.chooseFirstService(workspace);
    } catch (error) {
      return this.finish(current, (image, service) => this.failureOf(error, image, service));
    }
    if (!workspace) return this.finish(current, (image, service) => this.hostDown(image, service));
    if (this.services.length === 0) {
      const message = vscode.l10n.t('Choose a service to classify with.');
      return this.finish(current, (image) => this.failure('noService', message, undefined, image, undefined, ['switchService']));
    }
    this.workspaceLabel = workspace.label;
    this.postSession();
    this.cells = new Map();
    for (const image of this.images) for (const service of this.services) this.setCell(image, service, this.busy(image, service));
    if (current()) this.show();
    for (const image of this.images) {
      for (const service of this.services) {
        if (!current()) return this.outcome();
        const cell = await this.classifyOne(workspace, image, service);
        if (!current()) return this.outcome();
        this.setCell(image, service, cell);
        this.show();
      }
    }
    return this.outcome();
  }

  private servicesOrNone(): (string | undefined)[] {
    return this.services.length > 0 ? this.services : [undefined];
  }

  /** Every cell gets the same ending (host down, no service): shown, and returned. */
  private finish(current: () => boolean, cellFor: (image: vscode.Uri, service: string | undefined) => CellMessage): ClassifyOutcome {
    this.cells = new Map();
    for (const image of this.images) for (const service of this.servicesOrNone()) this.setCell(image, service, cellFor(image, service));
    if (current()) this.show();
    return this.outcome();
  }

  private async chooseFirstService(workspace: Workspace): Promise<void> {
    const first = this.images[0];
    const imageName = this.images.length > 1 ? vscode.l10n.t('{0} images', this.images.length) : first ? path.posix.basename(first.path) : '';
    const chosen = await pickHealthyService(workspace, this.environment.memento, { imageName });
    if (chosen) this.services = [chosen];
  }

  private async load(uri: vscode.Uri): Promise<LoadedImage> {
    const key = uri.toString();
    const cached = this.loaded.get(key);
    if (cached) return cached;
    const bytes = await vscode.workspace.fs.readFile(uri);
    const name = path.posix.basename(uri.path);
    // A preview of a huge file would copy it into the page and its saved state; the service refuses such files anyway (413).
    const loaded = { bytes, image: { name, src: bytes.length <= MAX_PREVIEW_BYTES ? imageDataUri(bytes, name) : '' } };
    this.loaded.set(key, loaded);
    return loaded;
  }

  private async classifyOne(workspace: Workspace, uri: vscode.Uri, service: string): Promise<CellMessage> {
    let loaded: LoadedImage;
    try {
      loaded = await this.load(uri);
    } catch (error) {
      log.warn(`cannot read ${uri.toString()}: ${messageOf(error)}`);
      const name = path.posix.basename(uri.path);
      return this.failure('unreadable', vscode.l10n.t('{0} cannot be read: check that the file still exists, then run again.', name), messageOf(error), uri, service);
    }
    try {
      await this.waitWhileTransitioning(workspace, service);
      const started = performance.now();
      const classification = await workspace.classify(service, loaded.bytes);
      const roundTripMs = performance.now() - started;
      log.info(`${loaded.image.name} on ${service}: ${classification.predictions[0]?.label ?? 'no classes'} in ${Math.round(roundTripMs)} ms`);
      return toResultMessage(loaded.image, service, classification, roundTripMs);
    } catch (error) {
      return this.failureOf(error, uri, service);
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

  private failureOf(error: unknown, image: vscode.Uri, service: string | undefined): ErrorMessage {
    if (error instanceof NoHealthyServiceError) {
      return this.failure('noService', error.message, undefined, image, service, ['deploy', 'runAgain']);
    }
    const kind = failureKind(error);
    const name = path.posix.basename(image.path);
    log.warn(`classifying ${name} with ${service ?? 'no service'} failed (${kind}): ${messageOf(error)}`);
    const text = messageOf(error);
    switch (kind) {
      case 'hostDown':
        // HostClient's text advises CLI commands; in the panel, the Start Local Host button is the advice.
        return this.hostDown(image, service);
      case 'unauthorized':
        return this.failure(kind, vscode.l10n.t('Service {0} rejected its key: run again, or regenerate its keys if this persists.', service ?? ''), text, image, service, ['runAgain', 'switchService']);
      case 'unavailable':
        if (service && isWorkspaceError(error, 'not_found')) return this.deleted(image, service);
        return this.failure(kind, vscode.l10n.t('Service {0} cannot classify right now: {1}', service ?? '', text), undefined, image, service, ['switchService', 'runAgain']);
      // Usually the file itself (not an image the service decodes): Run Again once it is fixed.
      case 'rejected':
        return this.failure(kind, vscode.l10n.t('Service {0} refused {1}: {2}', service ?? '', name, text), undefined, image, service, ['runAgain', 'switchService']);
      default:
        log.error(`classifying ${name} failed`, error);
        return this.failure(kind, vscode.l10n.t('Classifying {0} failed; the log has the details.', name), text, image, service, ['runAgain', 'showLog']);
    }
  }

  private deleted(image: vscode.Uri, service: string): ErrorMessage {
    return this.failure(
      'unavailable',
      vscode.l10n.t('Service {0} was deleted — choose another or deploy again.', service),
      undefined,
      image,
      service,
      ['switchService', 'deploy'],
    );
  }

  /** The Workspaces view or a command listed the services: a result from a service that is gone must not stand as current. */
  private noticeDeleted({ workspace, services }: ServicesLoaded): void {
    if (this.disposed || workspace.label !== this.workspaceLabel) return;
    const names = new Set(services.map((s) => s.name));
    const gone = this.services.filter((s) => !names.has(s));
    if (gone.length === 0) return;
    let changed = false;
    for (const image of this.images) {
      for (const service of gone) {
        const cell = this.cells.get(cellKey(image, service));
        if (cell?.type === 'error' && cell.kind === 'unavailable') continue;
        this.setCell(image, service, this.deleted(image, service));
        changed = true;
      }
    }
    if (changed) this.show();
  }

  private hostDown(image: vscode.Uri, service: string | undefined): ErrorMessage {
    return this.failure('hostDown', vscode.l10n.t('The local service host is not running: start it to classify.'), undefined, image, service, [
      'startLocalHost',
      'showLog',
    ]);
  }

  private busy(image: vscode.Uri, service: string | undefined): CellMessage {
    const loaded = this.loaded.get(image.toString());
    return { type: 'busy', ...(loaded ? { image: loaded.image } : {}), ...(service ? { service } : {}) };
  }

  private failure(
    kind: FailureKind,
    message: string,
    detail: string | undefined,
    image: vscode.Uri,
    service: string | undefined,
    actions: PanelAction[] = ['runAgain'],
  ): ErrorMessage {
    const loaded = this.loaded.get(image.toString());
    return {
      type: 'error',
      kind,
      message,
      ...(detail !== undefined && detail !== message ? { detail } : {}),
      actions: actions.map(actionLabel),
      ...(loaded ? { image: loaded.image } : {}),
      ...(service ? { service } : {}),
    };
  }

  private setCell(image: vscode.Uri, service: string | undefined, cell: CellMessage): void {
    this.cells.set(cellKey(image, service), cell);
  }

  /** The cells in display order: image by image, service by service. */
  private orderedCells(): ExportCell[] {
    const cells: ExportCell[] = [];
    for (const image of this.images) {
      for (const service of this.servicesOrNone()) {
        const cell = this.cells.get(cellKey(image, service));
        if (cell) cells.push({ imagePath: image.scheme === 'file' ? image.fsPath : image.toString(), cell });
      }
    }
    return cells;
  }

  private outcome(): ClassifyOutcome {
    const cells = this.orderedCells().map(({ cell }) => cell);
    const [first] = cells;
    if (this.layout === 'single' && first && first.type !== 'busy') return first;
    const actions: PanelAction[] =
      this.layout === 'compare' ? ['runAgain', 'addService', 'exportCsv', 'exportJson'] : ['runAgain', 'switchService', 'exportCsv', 'exportJson'];
    // Without a service or a host, the first cell's own remedies (Start Local Host, Deploy…) lead.
    const remedies = first?.type === 'error' && (first.kind === 'hostDown' || first.kind === 'noService') ? first.actions.map((a) => a.action) : [];
    const all = [...new Set([...remedies, ...actions])];
    return { type: 'board', layout: this.layout === 'compare' ? 'compare' : 'batch', cells, actions: all.map(actionLabel) };
  }

  private show(): void {
    const outcome = this.outcome();
    // A single panel that is still busy shows its busy cell.
    const first = this.orderedCells()[0]?.cell;
    this.post(this.layout === 'single' && first ? first : outcome);
  }

  private post(message: HostToWebviewMessage): void {
    this.shown = message;
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(message);
  }

  private session(): SessionMessage {
    return { type: 'session', images: this.images.map((uri) => uri.toString()), services: [...this.services] };
  }

  private postSession(): void {
    this.panel.title = this.title();
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(this.session());
  }

  private receive(message: unknown): void {
    if (!isWebviewToHostMessage(message)) {
      log.warn(`ignored an unexpected message from the classify panel: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    if (message.type === 'ready') {
      this.ready = true;
      void this.panel.webview.postMessage(this.session());
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
        await this.chooseService('switch');
        return;
      case 'addService':
        await this.chooseService('add');
        return;
      case 'copyResult':
        await this.copyResult();
        return;
      case 'exportCsv':
        await this.export('csv');
        return;
      case 'exportJson':
        await this.export('json');
        return;
      case 'startLocalHost':
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

  /**
   * Switch: another service replaces the current one. Add: a single panel becomes a
   * comparison (a new panel, so the single result stays where it was) or a comparison gains a column.
   */
  private async chooseService(mode: 'switch' | 'add'): Promise<void> {
    const image = this.images[0];
    if (!image) return;
    let chosen: string | undefined;
    try {
      const workspace = await this.environment.workspace();
      if (!workspace) {
        this.finish(() => true, (img, service) => this.hostDown(img, service));
        return;
      }
      const exclude = mode === 'add' ? this.services : [];
      const imageName = this.images.length > 1 ? vscode.l10n.t('{0} images', this.images.length) : path.posix.basename(image.path);
      chosen = await pickHealthyService(workspace, this.environment.memento, { imageName, current: this.services[0], alwaysAsk: true, exclude });
    } catch (error) {
      this.finish(() => true, (img, service) => this.failureOf(error, img, service));
      return;
    }
    if (!chosen) return;
    if (mode === 'add' && !this.compare) {
      await showClassifyPanel(this.environment, { images: [image], services: [...this.services, chosen], compare: true });
      return;
    }
    this.services = mode === 'add' ? [...this.services, chosen] : [chosen];
    await this.run();
  }

  private async copyResult(): Promise<void> {
    if (this.shown?.type !== 'result') return;
    const image = this.images[0];
    if (!image) return;
    const where = image.scheme === 'file' ? image.fsPath : image.toString();
    await vscode.env.clipboard.writeText(resultJson(this.shown, where));
    vscode.window.setStatusBarMessage(vscode.l10n.t('$(check) Classification of {0} copied as JSON', this.shown.image.name), 3000);
  }

  private async export(format: 'csv' | 'json'): Promise<void> {
    const cells = this.orderedCells();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const fileName = `classifications.${format}`;
    const target = await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Export the classifications'),
      saveLabel: vscode.l10n.t('Export'),
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, fileName) } : {}),
    });
    if (!target) return;
    const text = format === 'csv' ? exportCsv(cells) : exportJson(cells);
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    log.info(`exported ${cells.length} classifications to ${target.toString()}`);
    const open = vscode.l10n.t('Open');
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('Exported {0} classifications to {1}.', cells.length, path.posix.basename(target.path)), open);
    if (choice === open) await vscode.window.showTextDocument(target);
  }

  private dispose(): void {
    this.disposed = true;
    for (const [key, panel] of panels) if (panel === this) panels.delete(key);
    for (const disposable of this.disposables) disposable.dispose();
  }
}

function cellKey(image: vscode.Uri, service: string | undefined): string {
  return `${image.toString()}\n${service ?? ''}`;
}

function actionLabel(action: PanelAction): ErrorAction {
  const labels: Record<PanelAction, string> = {
    runAgain: vscode.l10n.t('Run Again'),
    switchService: vscode.l10n.t('Switch Service'),
    addService: vscode.l10n.t('Add Service'),
    copyResult: vscode.l10n.t('Copy Result JSON'),
    exportCsv: vscode.l10n.t('Export CSV'),
    exportJson: vscode.l10n.t('Export JSON'),
    startLocalHost: vscode.l10n.t('Start Local Host'),
    deploy: vscode.l10n.t('Deploy…'),
    showLog: vscode.l10n.t('Show Log'),
  };
  return { action, label: labels[action] };
}
