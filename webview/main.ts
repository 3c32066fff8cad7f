/**
 * The classify panel's browser side: shows a service's top classes for an image, with
 * confidence bars and timings. It only renders what the host sends (webview/protocol.ts)
 * and posts the user's choices back; the host does the work.
 */
import type { ErrorMessage, HostToWebviewMessage, ResultMessage, WebviewToHostMessage } from './protocol';
import { isHostToWebviewMessage } from './protocol';
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeProgressRing } from '@vscode/webview-ui-toolkit';

interface VsCodeApi<State> {
  postMessage(message: WebviewToHostMessage): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

/** What survives the panel being hidden or VS Code restarting: the last thing shown. */
interface PanelState {
  shown?: ResultMessage | ErrorMessage;
}

// Defines <vscode-button> and <vscode-progress-ring>; elements created earlier upgrade now.
provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeProgressRing());

const vscode = acquireVsCodeApi<PanelState>();
const root = document.getElementById('app') ?? document.body;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function actionButton(label: string, message: WebviewToHostMessage, secondary: boolean): HTMLElement {
  const button = document.createElement('vscode-button');
  button.textContent = label;
  if (secondary) button.setAttribute('appearance', 'secondary');
  button.addEventListener('click', () => vscode.postMessage(message));
  return button;
}

function actions(buttons: HTMLElement[]): HTMLElement {
  const row = element('div', 'actions');
  row.append(...buttons);
  return row;
}

function formatPercent(score: number): string {
  const percent = score * 100;
  if (percent > 0 && percent < 0.1) return '<0.1%';
  return `${percent.toFixed(1)}%`;
}

function formatMs(ms: number): string {
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

function renderResult(result: ResultMessage): HTMLElement[] {
  const header = element('div', 'header');
  const preview = element('img', 'preview');
  preview.src = result.image.src;
  preview.alt = result.image.name;
  const about = element('div');
  about.append(
    element('h1', 'title', result.image.name),
    element('p', 'meta', `Service: ${result.service}`),
    element('p', 'meta', `Backend: ${result.backend} · Precision: ${result.precision}`),
  );
  header.append(preview, about);

  const list = element('ol', 'predictions');
  list.setAttribute('aria-label', 'Top classes');
  result.predictions.forEach((prediction, rank) => {
    const row = element('li', rank === 0 ? 'prediction top' : 'prediction');
    const label = element('span', 'label', prediction.label);
    label.title = `${prediction.label} (class ${prediction.index})`;
    // A <progress> draws the bar, so its length needs no inline style.
    const bar = element('progress', 'bar');
    bar.max = 1;
    bar.value = Math.min(1, Math.max(0, prediction.score));
    bar.setAttribute('aria-label', `${prediction.label}: ${formatPercent(prediction.score)}`);
    row.append(label, element('span', 'score', formatPercent(prediction.score)), bar);
    list.append(row);
  });

  const stages = Object.entries(result.timingsMs).map(([stage, ms]) => `${stage} ${formatMs(ms)}`);
  const timings = element('p', 'timings', [...stages, `total ${formatMs(result.totalMs)}`].join(' · '));

  return [
    header,
    list,
    timings,
    actions([
      actionButton('Run Again', { type: 'runAgain' }, false),
      actionButton('Switch Service', { type: 'switchService' }, true),
      actionButton('Copy Result', { type: 'copyResult' }, true),
    ]),
  ];
}

function renderError(error: ErrorMessage): HTMLElement[] {
  const box = element('div', 'error', error.message);
  box.setAttribute('role', 'alert');
  const buttons: HTMLElement[] = [];
  if (error.action) buttons.push(actionButton(error.action.label, error.action.message, false));
  if (error.action?.message.type !== 'runAgain') buttons.push(actionButton('Run Again', { type: 'runAgain' }, buttons.length > 0));
  if (error.action?.message.type !== 'switchService') buttons.push(actionButton('Switch Service', { type: 'switchService' }, true));
  return [box, actions(buttons)];
}

function renderBusy(): HTMLElement[] {
  const busy = element('div', 'busy');
  busy.setAttribute('role', 'status');
  busy.append(document.createElement('vscode-progress-ring'), element('span', undefined, 'Classifying…'));
  return [busy];
}

function render(message: HostToWebviewMessage): void {
  switch (message.type) {
    case 'result':
      root.replaceChildren(...renderResult(message));
      vscode.setState({ shown: message });
      break;
    case 'error':
      root.replaceChildren(...renderError(message));
      vscode.setState({ shown: message });
      break;
    case 'busy':
      root.replaceChildren(...renderBusy());
      break;
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isHostToWebviewMessage(event.data)) render(event.data);
});

const restored = vscode.getState()?.shown;
if (restored) render(restored);
vscode.postMessage({ type: 'ready' });
