/**
 * The one message protocol between the classify panel's host (src/ui/classify) and its
 * webview (webview/main.ts): a discriminated union per direction. Both sides import this
 * file, so it holds types and plain guards only — nothing that needs the DOM, Node or vscode.
 */

export interface Prediction {
  /** Class index in the classifier's output. */
  index: number;
  label: string;
  /** Confidence in [0, 1]. */
  score: number;
}

export interface ClassifiedImage {
  /** File name shown to the user. */
  name: string;
  /**
   * A `data:` URI of the image bytes the host read. The host sends the bytes rather than a
   * webview URI so that localResourceRoots stay limited to the extension's own folders,
   * whatever folder (or remote file system) the image lives in.
   */
  src: string;
}

/** The service a classification ran on, as the workspace describes it. */
export interface ServiceSummary {
  name: string;
  /** The engine that ran the model stages, e.g. "wasm" or "tensorflow". */
  backend: string;
  precision: string;
  /** Generated weights: same cost as the real model, meaningless classes. */
  synthetic: boolean;
}

export interface StageTiming {
  /** Stage name as the service reports it: decode, preprocess, model stages, queue. */
  stage: string;
  ms: number;
}

/** A classification is under way; the panel shows the image, a progress ring and no buttons. */
export interface BusyMessage {
  type: 'busy';
  image?: ClassifiedImage;
  /** Undefined while the service is still being chosen. */
  service?: string;
}

/** The host classified an image: the top classes and where the time went. */
export interface ResultMessage {
  type: 'result';
  image: ClassifiedImage;
  service: ServiceSummary;
  /** Best first. */
  predictions: Prediction[];
  /** The service's own stages in pipeline order, then its queue wait; `total` is not among them. */
  timings: StageTiming[];
  /** What the service spent on the request, from receiving it to answering. */
  totalMs: number;
  /** What the user waited for, measured by the extension: the service's total plus HTTP. */
  roundTripMs: number;
}

/** What a button in the panel asks the host to do. */
export type PanelAction = 'runAgain' | 'switchService' | 'addService' | 'copyResult' | 'exportCsv' | 'exportJson' | 'startLocalHost' | 'signIn' | 'deploy' | 'showLog';

/** A button the host offers with an error: its (localized) label and what it does. */
export interface ErrorAction {
  action: PanelAction;
  label: string;
}

/** Why classifying failed; the panel styles and announces each kind alike, the host chooses actions. */
export type FailureKind = 'hostDown' | 'unauthorized' | 'unavailable' | 'rejected' | 'unreadable' | 'noService' | 'failed';

/** Classifying failed; the panel shows the message and the actions likely to help, never a blank page. */
export interface ErrorMessage {
  type: 'error';
  kind: FailureKind;
  /** One line, as the user should read it. */
  message: string;
  /** The service's or system's own words, when they add something to `message`. */
  detail?: string;
  /** First is the primary (most likely to help) action. */
  actions: ErrorAction[];
  image?: ClassifiedImage;
  service?: string;
}

/** One image on one service, as a single-image panel would show it. */
export type CellMessage = BusyMessage | ResultMessage | ErrorMessage;

/**
 * Several classifications in one panel: `batch` is many images on one service (a grid of
 * cards), `compare` is one image on several services (columns side by side).
 */
export interface BoardMessage {
  type: 'board';
  layout: 'batch' | 'compare';
  /** Image order for a batch, service order for a comparison. */
  cells: CellMessage[];
  /** The panel's buttons, first is the primary one. */
  actions: ErrorAction[];
}

/**
 * What the panel classifies, for the page to keep in its saved state: after a window reload
 * VS Code hands that state back and the host classifies the same images on the same services.
 */
export interface SessionMessage {
  type: 'session';
  /** Image URIs (`Uri.toString()`). */
  images: string[];
  services: string[];
  /** Id of the workspace the services belong to (`local`, or an Azure resource id); older pages leave it out. */
  workspace?: string;
}

export type HostToWebviewMessage = CellMessage | BoardMessage | SessionMessage;

/** The webview's script runs and listens: the host posts nothing before this. */
export interface ReadyMessage {
  type: 'ready';
}

/** The user pressed one of the panel's buttons. */
export interface ActionMessage {
  type: 'action';
  action: PanelAction;
}

export type WebviewToHostMessage = ReadyMessage | ActionMessage;

const PANEL_ACTIONS: ReadonlySet<string> = new Set<PanelAction>([
  'runAgain',
  'switchService',
  'addService',
  'copyResult',
  'exportCsv',
  'exportJson',
  'startLocalHost',
  'signIn',
  'deploy',
  'showLog',
]);
const FAILURE_KINDS: ReadonlySet<string> = new Set<FailureKind>(['hostDown', 'unauthorized', 'unavailable', 'rejected', 'unreadable', 'noService', 'failed']);

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isOptional<T>(value: unknown, guard: (v: unknown) => v is T): boolean {
  return value === undefined || guard(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

export function isPanelAction(value: unknown): value is PanelAction {
  return typeof value === 'string' && PANEL_ACTIONS.has(value);
}

function isImage(value: unknown): value is ClassifiedImage {
  return isObject(value) && isString(value.name) && isString(value.src);
}

function isService(value: unknown): value is ServiceSummary {
  return isObject(value) && isString(value.name) && isString(value.backend) && isString(value.precision) && typeof value.synthetic === 'boolean';
}

function isPrediction(value: unknown): value is Prediction {
  return isObject(value) && isFiniteNumber(value.index) && isString(value.label) && isFiniteNumber(value.score);
}

function isStageTiming(value: unknown): value is StageTiming {
  return isObject(value) && isString(value.stage) && isFiniteNumber(value.ms);
}

function isErrorAction(value: unknown): value is ErrorAction {
  return isObject(value) && isPanelAction(value.action) && isString(value.label);
}

function isArrayOf<T>(value: unknown, guard: (v: unknown) => v is T): value is T[] {
  return Array.isArray(value) && value.every(guard);
}

/**
 * Messages cross a process boundary untyped; the webview checks what it receives so that a
 * malformed message is ignored instead of breaking the page.
 */
export function isHostToWebviewMessage(value: unknown): value is HostToWebviewMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'board':
      return (
        (value.layout === 'batch' || value.layout === 'compare') &&
        isArrayOf(value.cells, isCellMessage) &&
        isArrayOf(value.actions, isErrorAction)
      );
    case 'session':
      return isArrayOf(value.images, isString) && isArrayOf(value.services, isString) && (value.workspace === undefined || isString(value.workspace));
    default:
      return isCellMessage(value);
  }
}

function isCellMessage(value: unknown): value is CellMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'busy':
      return isOptional(value.image, isImage) && isOptional(value.service, isString);
    case 'result':
      return (
        isImage(value.image) &&
        isService(value.service) &&
        isArrayOf(value.predictions, isPrediction) &&
        isArrayOf(value.timings, isStageTiming) &&
        isFiniteNumber(value.totalMs) &&
        isFiniteNumber(value.roundTripMs)
      );
    case 'error':
      return (
        isString(value.kind) &&
        FAILURE_KINDS.has(value.kind) &&
        isString(value.message) &&
        isOptional(value.detail, isString) &&
        isArrayOf(value.actions, isErrorAction) &&
        isOptional(value.image, isImage) &&
        isOptional(value.service, isString)
      );
    default:
      return false;
  }
}

/** The host acts only on messages this accepts: the webview is a page, not trusted code. */
export function isWebviewToHostMessage(value: unknown): value is WebviewToHostMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'ready':
      return true;
    case 'action':
      return isPanelAction(value.action);
    default:
      return false;
  }
}
