/**
 * The one message protocol between the classify panel's host (src/ui) and its webview
 * (webview/main.ts): a discriminated union per direction. Both sides import these types;
 * nothing here may depend on the DOM or on Node.
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
  /** A webview URI (asWebviewUri) or a data: URI of the image. */
  src: string;
}

/** The host classified an image: the top-k classes and where the time went. */
export interface ResultMessage {
  type: 'result';
  image: ClassifiedImage;
  /** Service name as the workspace lists it. */
  service: string;
  /** The engine that ran the featurizer, e.g. "tfjs-node" or "onnxruntime (cpu)". */
  backend: string;
  precision: string;
  /** Best first. */
  predictions: Prediction[];
  /** Per stage (e.g. "preprocess", "featurizer", "classifier", "network"), in milliseconds. */
  timingsMs: Record<string, number>;
  totalMs: number;
}

/** Classifying failed; `action` offers the user the one thing likely to help. */
export interface ErrorMessage {
  type: 'error';
  message: string;
  action?: { label: string; message: WebviewToHostMessage };
}

/** A classification is under way; the panel shows progress and disables its buttons. */
export interface BusyMessage {
  type: 'busy';
}

export type HostToWebviewMessage = ResultMessage | ErrorMessage | BusyMessage;

/** The webview's script runs and listens: the host posts nothing before this. */
export interface ReadyMessage {
  type: 'ready';
}

/** Classify the same image with the same service again. */
export interface RunAgainMessage {
  type: 'runAgain';
}

/** Pick another service and classify the same image with it. */
export interface SwitchServiceMessage {
  type: 'switchService';
}

/** Copy the shown result to the clipboard (the host owns the clipboard). */
export interface CopyResultMessage {
  type: 'copyResult';
}

export type WebviewToHostMessage = ReadyMessage | RunAgainMessage | SwitchServiceMessage | CopyResultMessage;

const HOST_TO_WEBVIEW_TYPES: ReadonlySet<string> = new Set<HostToWebviewMessage['type']>(['result', 'error', 'busy']);
const WEBVIEW_TO_HOST_TYPES: ReadonlySet<string> = new Set<WebviewToHostMessage['type']>(['ready', 'runAgain', 'switchService', 'copyResult']);

function hasType(value: unknown, types: ReadonlySet<string>): boolean {
  return typeof value === 'object' && value !== null && types.has(String((value as { type?: unknown }).type));
}

/** Messages cross a process boundary untyped; each side checks what it receives. */
export function isHostToWebviewMessage(value: unknown): value is HostToWebviewMessage {
  return hasType(value, HOST_TO_WEBVIEW_TYPES);
}

export function isWebviewToHostMessage(value: unknown): value is WebviewToHostMessage {
  return hasType(value, WEBVIEW_TO_HOST_TYPES);
}
