import * as vscode from 'vscode';
import { plainNotificationText } from '../../common/displayText';
import { isUserError, messageOf } from '../../common/errors';
import { getLog, showLogOutput } from '../log';
import type { PipelineDiagnostics } from '../pipelineDiagnostics';
import type { AzureProviderUi } from '../azure/azureProviderUi';
import type { LocalHost } from '../localHost/localHost';
import type { WorkspaceRegistry } from '../workspaceRegistry';

/** What every command handler is given besides the arguments VS Code passes it. */
export interface CommandContext {
  readonly id: string;
  /** The command's title as the manifest contributes it, e.g. "Package Pipeline". */
  readonly title: string;
  readonly diagnostics: PipelineDiagnostics;
  /** Every workspace of every provider; `workspaces.refresh()` after a change. */
  readonly workspaces: WorkspaceRegistry;
  /** The Local provider's service host, for the commands that start, stop and reveal its files. */
  readonly localHost: LocalHost;
  /** The Azure Machine Learning provider: sign-in, sign-out, tenant. */
  readonly azure: AzureProviderUi;
  /** The extension's folder, e.g. for a webview's `localResourceRoots`. */
  readonly extensionUri: vscode.Uri;
  /** Memento for small per-user state that should outlive a window (e.g. a panel's last choices). */
  readonly globalState: vscode.Memento;
}

/**
 * A command's body. `args` are what VS Code passes: a `Uri` (and the selected `Uri[]`)
 * from the Explorer or an editor title, a tree node from the view, nothing from the palette.
 * A handler that the user cancels (Escape in a quick pick) throws `vscode.CancellationError`
 * or simply returns.
 */
export type CommandHandler = (command: CommandContext, ...args: unknown[]) => unknown;

const log = getLog('commands');

/** Escape, a cancelled progress notification or an aborted request: the user chose this. */
export function isCancellation(error: unknown): boolean {
  return error instanceof vscode.CancellationError || (error instanceof Error && error.name === 'AbortError');
}

/** Toasts are one line of plain text (errors may quote a model's text); the log keeps the full text. */
function showErrorWithLog(message: string): void {
  const showLog = vscode.l10n.t('Show Log');
  void vscode.window.showErrorMessage(plainNotificationText(message), showLog).then((choice) => {
    if (choice === showLog) showLogOutput();
  });
}

/**
 * The one error policy of every command: a cancellation is silent, a `UserError` shows its
 * own message, anything else is reported as a failure of the command; the full error and
 * its stack always go to the log.
 */
export function runCommand(command: CommandContext, handler: CommandHandler): (...args: unknown[]) => Promise<unknown> {
  return async (...args: unknown[]) => {
    log.debug(`${command.id} started`);
    try {
      // What a handler resolves with reaches `executeCommand` callers, e.g. integration tests.
      const result: unknown = await handler(command, ...args);
      log.debug(`${command.id} finished`);
      return result;
    } catch (error) {
      if (isCancellation(error)) {
        log.debug(`${command.id} cancelled`);
        return undefined;
      }
      log.error(`${command.id} failed`, error);
      if (isUserError(error)) {
        showErrorWithLog(error.message);
      } else {
        showErrorWithLog(vscode.l10n.t('FPGA: {0} failed: {1}', command.title, messageOf(error)));
      }
      return undefined;
    }
  };
}
