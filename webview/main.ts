/**
 * The classify panel's browser side: shows an image, a service's top classes for it with
 * confidence bars, and where the time went. It only renders what the host sends
 * (webview/protocol.ts) and posts the user's button presses back; the host does the work.
 */
import type {
  BoardMessage,
  BusyMessage,
  CellMessage,
  ClassifiedImage,
  ErrorMessage,
  HostToWebviewMessage,
  PanelAction,
  ResultMessage,
  SessionMessage,
  WebviewToHostMessage,
} from './protocol';
import { isHostToWebviewMessage } from './protocol';
import { barValue, formatMs, formatPercent, shareOf } from './format';
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeProgressRing } from '@vscode/webview-ui-toolkit';

interface VsCodeApi<State> {
  postMessage(message: WebviewToHostMessage): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

/**
 * What survives the panel being hidden (it is not retained) or the window reloading: the last
 * message shown, so the page paints at once, and what it classifies, which the host reads
 * back to classify the same images again after a reload.
 */
interface PanelState {
  shown?: CellMessage | BoardMessage;
  session?: SessionMessage;
}

// Defines <vscode-button> and <vscode-progress-ring>; elements created later upgrade as they are added.
provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeProgressRing());

const vscode = acquireVsCodeApi<PanelState>();
const root = document.getElementById('app') ?? document.body;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function post(message: WebviewToHostMessage): void {
  vscode.postMessage(message);
}

function actionButton(label: string, action: PanelAction, primary: boolean): HTMLElement {
  const button = document.createElement('vscode-button');
  button.textContent = label;
  button.dataset.action = action;
  if (!primary) button.setAttribute('appearance', 'secondary');
  button.addEventListener('click', () => post({ type: 'action', action }));
  return button;
}

function actionRow(buttons: HTMLElement[]): HTMLElement {
  const row = element('div', 'actions');
  row.setAttribute('role', 'group');
  row.setAttribute('aria-label', 'Actions');
  row.append(...buttons);
  return row;
}

/** A horizontal bar whose fill is set through the CSSOM: CSP refuses inline style attributes, not this. */
function bar(fraction: number, className: string): HTMLElement {
  const track = element('div', `bar ${className}`);
  const fill = element('div', 'fill');
  fill.style.width = `${(barValue(fraction) * 100).toFixed(2)}%`;
  track.append(fill);
  return track;
}

function header(image: ClassifiedImage | undefined, serviceLine: HTMLElement[]): HTMLElement {
  const head = element('header', 'header');
  if (image?.src) {
    const preview = element('img', 'preview');
    // A file the browser cannot decode (often the very reason for an error) shows no broken-image icon.
    preview.addEventListener('error', () => preview.classList.add('undecodable'));
    preview.src = image.src;
    preview.alt = image.name;
    head.append(preview);
  }
  const about = element('div', 'about');
  about.append(element('h1', 'title', image?.name ?? 'Classify Image'), ...serviceLine);
  head.append(about);
  return head;
}

function serviceLine(result: ResultMessage): HTMLElement[] {
  const meta = element('p', 'meta');
  const name = element('span', 'service-name', result.service.name);
  meta.append('Service ', name, ` · ${result.service.backend} · ${result.service.precision}`);
  return [meta, weightsBadge(result.service.synthetic)];
}

/** Headings get ids for aria-labelledby; a comparison shows several sections of each kind, so ids carry a suffix. */
function predictions(result: ResultMessage, idSuffix = ''): HTMLElement {
  const section = element('section', 'predictions');
  section.setAttribute('aria-labelledby', `predictions-heading${idSuffix}`);
  const heading = element('h2', undefined, `Top ${result.predictions.length} classes`);
  heading.id = `predictions-heading${idSuffix}`;
  const list = element('ol', 'prediction-list');
  result.predictions.forEach((prediction, rank) => {
    const percent = formatPercent(prediction.score);
    const row = element('li', rank === 0 ? 'prediction top' : 'prediction');
    const label = element('span', 'label', prediction.label);
    label.title = `${prediction.label} (class ${prediction.index})`;
    const meter = bar(prediction.score, 'confidence');
    meter.setAttribute('role', 'meter');
    meter.setAttribute('aria-label', prediction.label);
    meter.setAttribute('aria-valuemin', '0');
    meter.setAttribute('aria-valuemax', '100');
    meter.setAttribute('aria-valuenow', (barValue(prediction.score) * 100).toFixed(1));
    meter.setAttribute('aria-valuetext', percent);
    row.append(label, meter, element('span', 'score', percent));
    list.append(row);
  });
  section.append(heading, list);
  return section;
}

function timings(result: ResultMessage, idSuffix = ''): HTMLElement {
  const section = element('section', 'timings');
  section.setAttribute('aria-labelledby', `timings-heading${idSuffix}`);
  const heading = element('h2', undefined, 'Latency');
  heading.id = `timings-heading${idSuffix}`;
  const summary = element('p', 'latency');
  summary.append(element('span', 'latency-total', formatMs(result.totalMs)), element('span', 'latency-note', ` in the service · ${formatMs(result.roundTripMs)} round trip`));
  const table = element('table', 'stages');
  const caption = element('caption', 'visually-hidden', 'Time per stage');
  const body = element('tbody');
  const rows = [...result.timings, { stage: 'total', ms: result.totalMs }];
  for (const { stage, ms } of rows) {
    const row = element('tr', stage === 'total' ? 'stage total' : 'stage');
    const name = element('th', 'stage-name', stage);
    name.scope = 'row';
    const share = element('td', 'stage-bar');
    if (stage !== 'total') {
      const shareBar = bar(shareOf(ms, result.totalMs), 'share');
      shareBar.setAttribute('aria-hidden', 'true');
      share.append(shareBar);
    }
    row.append(name, share, element('td', 'stage-ms', formatMs(ms)));
    body.append(row);
  }
  table.append(caption, body);
  section.append(heading, summary, table);
  return section;
}

function renderResult(result: ResultMessage): HTMLElement[] {
  return [
    header(result.image, serviceLine(result)),
    predictions(result),
    timings(result),
    actionRow([
      actionButton('Run Again', 'runAgain', true),
      actionButton('Switch Service', 'switchService', false),
      actionButton('Compare with Another Service', 'addService', false),
      actionButton('Copy Result JSON', 'copyResult', false),
    ]),
  ];
}

function weightsBadge(synthetic: boolean): HTMLElement {
  if (!synthetic) return element('p', 'badge real', 'real weights');
  const badge = element('p', 'badge synthetic', 'generated weights: classes are meaningless');
  badge.title = 'This service runs generated weights: its timings are real, its class names are not.';
  return badge;
}

function busyRow(text: string): HTMLElement {
  const status = element('div', 'busy');
  status.setAttribute('role', 'status');
  const ring = document.createElement('vscode-progress-ring');
  ring.setAttribute('aria-hidden', 'true');
  status.append(ring, element('span', undefined, text));
  return status;
}

function errorBox(error: ErrorMessage): HTMLElement {
  const box = element('div', `error ${error.kind}`);
  box.setAttribute('role', 'alert');
  box.append(element('p', 'error-message', error.message));
  if (error.detail) box.append(element('p', 'error-detail', error.detail));
  return box;
}

/** A batch card: the image, its top class and latency, the top 5 behind a disclosure. */
function batchCard(cell: CellMessage, index: number): HTMLElement {
  const card = element('article', `card ${cell.type}`);
  const image = cell.image;
  if (image?.src) {
    const thumb = element('img', 'thumb');
    thumb.addEventListener('error', () => thumb.classList.add('undecodable'));
    thumb.src = image.src;
    thumb.alt = image.name;
    card.append(thumb);
  }
  card.append(element('h2', 'card-title', image?.name ?? `Image ${index + 1}`));
  if (cell.type === 'busy') card.append(busyRow('Classifying…'));
  if (cell.type === 'error') card.append(errorBox(cell));
  if (cell.type === 'result') {
    const top = cell.predictions[0];
    if (top) {
      const line = element('p', 'top1');
      line.append(element('span', 'label', top.label), element('span', 'score', ` ${formatPercent(top.score)}`));
      card.append(line);
    }
    card.append(element('p', 'meta', `${formatMs(cell.totalMs)} in the service · ${formatMs(cell.roundTripMs)} round trip`));
    const more = element('details', 'top5');
    more.append(element('summary', undefined, `Top ${cell.predictions.length}`), predictions(cell, `-${index}`));
    card.append(more);
  }
  return card;
}

/** A comparison column: one service's answer for the image, with its backend, precision and weights. */
function compareColumn(cell: CellMessage, index: number): HTMLElement {
  const column = element('section', `column ${cell.type}`);
  const name = cell.type === 'result' ? cell.service.name : (cell.service ?? 'no service');
  column.append(element('h2', 'column-title', name));
  if (cell.type === 'busy') column.append(busyRow(`Classifying with ${name}…`));
  if (cell.type === 'error') column.append(errorBox(cell));
  if (cell.type === 'result') {
    column.append(element('p', 'meta', `${cell.service.backend} · ${cell.service.precision}`), weightsBadge(cell.service.synthetic));
    column.append(predictions(cell, `-${index}`), timings(cell, `-${index}`));
  }
  return column;
}

function renderBoard(board: BoardMessage): HTMLElement[] {
  const buttons = board.actions.map(({ action, label }, i) => actionButton(label, action, i === 0));
  if (board.layout === 'compare') {
    const first = board.cells[0];
    const head = header(first?.image, [element('p', 'meta', `${board.cells.length} services side by side`)]);
    const columns = element('div', 'columns');
    columns.append(...board.cells.map(compareColumn));
    return [head, actionRow(buttons), columns];
  }
  const done = board.cells.filter((cell) => cell.type !== 'busy').length;
  const service = board.cells.find((cell): cell is ResultMessage => cell.type === 'result')?.service;
  const about = element('div', 'about');
  about.append(element('h1', 'title', `${board.cells.length} images`));
  const meta = element('p', 'meta', `${done} of ${board.cells.length} classified${service ? ` · service ${service.name} · ${service.backend} · ${service.precision}` : ''}`);
  about.append(meta);
  if (service) about.append(weightsBadge(service.synthetic));
  const head = element('header', 'header');
  head.append(about);
  const grid = element('div', 'grid');
  grid.append(...board.cells.map(batchCard));
  return [head, actionRow(buttons), grid];
}

function renderError(error: ErrorMessage): HTMLElement[] {
  const meta = error.service ? [element('p', 'meta', `Service ${error.service}`)] : [];
  const buttons = error.actions.map(({ action, label }, i) => actionButton(label, action, i === 0));
  return [header(error.image, meta), errorBox(error), actionRow(buttons)];
}

function renderBusy(busy: BusyMessage): HTMLElement[] {
  const meta = busy.service ? [element('p', 'meta', `Service ${busy.service}`)] : [];
  return [header(busy.image, meta), busyRow(busy.service ? `Classifying with ${busy.service}…` : 'Classifying…')];
}

/**
 * The action of the button that had keyboard focus when a re-render began. Pressing Run
 * Again replaces the page (busy, then the answer); the focus returns to the same button,
 * or to the first one, instead of falling to the page's body.
 */
let focusAfterBusy: string | undefined;

function render(message: HostToWebviewMessage): void {
  if (message.type === 'session') {
    vscode.setState({ ...vscode.getState(), session: message });
    return;
  }
  const active = document.activeElement;
  const focused = (active instanceof HTMLElement ? active.dataset.action : undefined) ?? focusAfterBusy;
  switch (message.type) {
    case 'result':
      root.replaceChildren(...renderResult(message));
      break;
    case 'error':
      root.replaceChildren(...renderError(message));
      break;
    case 'busy':
      root.replaceChildren(...renderBusy(message));
      break;
    case 'board':
      root.replaceChildren(...renderBoard(message));
      break;
  }
  root.classList.toggle('wide', message.type === 'board');
  root.setAttribute('aria-busy', String(message.type === 'busy' || (message.type === 'board' && message.cells.some((c) => c.type === 'busy'))));
  vscode.setState({ ...vscode.getState(), shown: message });
  focusAfterBusy = message.type === 'busy' ? focused : undefined;
  if (focused !== undefined && message.type !== 'busy') {
    (root.querySelector<HTMLElement>(`[data-action="${focused}"]`) ?? root.querySelector<HTMLElement>('[data-action]'))?.focus();
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isHostToWebviewMessage(event.data)) render(event.data);
});

const restored = vscode.getState()?.shown;
if (restored && isHostToWebviewMessage(restored)) render(restored);
post({ type: 'ready' });
