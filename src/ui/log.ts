import * as vscode from 'vscode';

const CHANNEL_NAME = 'FPGA Model Services';

let channel: vscode.LogOutputChannel | undefined;

function output(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel(CHANNEL_NAME, { log: true });
  return channel;
}

/** Creates the extension's one output channel; disposing it closes the channel. */
export function createLog(): vscode.Disposable {
  output();
  return new vscode.Disposable(() => {
    channel?.dispose();
    channel = undefined;
  });
}

/** Brings the log into view, e.g. from a toast's "Show Log" action. */
export function showLogOutput(preserveFocus = false): void {
  output().show(preserveFocus);
}

/** A stack (with its causes) is what a bug report needs; a message alone is not enough. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const text = error.stack ?? `${error.name}: ${error.message}`;
  return error.cause === undefined ? text : `${text}\nCaused by: ${describeError(error.cause)}`;
}

/**
 * Log lines of one part of the extension, tagged `[component]` so that one channel can
 * be read (and filtered) by feature.
 */
export class ComponentLog {
  constructor(readonly component: string) {}

  trace(message: string): void {
    output().trace(this.tag(message));
  }

  debug(message: string): void {
    output().debug(this.tag(message));
  }

  info(message: string): void {
    output().info(this.tag(message));
  }

  warn(message: string): void {
    output().warn(this.tag(message));
  }

  error(message: string, error?: unknown): void {
    output().error(this.tag(error === undefined ? message : `${message}\n${describeError(error)}`));
  }

  private tag(message: string): string {
    return `[${this.component}] ${message}`;
  }
}

export function getLog(component: string): ComponentLog {
  return new ComponentLog(component);
}
