import * as vscode from 'vscode';
import type { WorkspaceRegistry } from '../workspaceRegistry';
import type { ClassifyEnvironment } from './classifyPanel';

/**
 * What a classify panel needs to reach the services of one workspace. The workspace is
 * looked up by id on every run (a workspace object goes stale when a host restarts or a
 * sign-in changes), and its provider says what to offer when it does not answer.
 */
export function classifyEnvironment(extensionUri: vscode.Uri, memento: vscode.Memento, registry: WorkspaceRegistry, workspaceId: string): ClassifyEnvironment {
  const ui = registry.providerUiOf(workspaceId);
  const fallback = { message: vscode.l10n.t('The workspace {0} is not available.', workspaceId), actions: ['runAgain' as const] };
  return {
    extensionUri,
    memento,
    workspaceId,
    workspace: () => registry.workspaceById(workspaceId),
    unreachable: ui?.unreachable ?? fallback,
    unauthorized: ui?.unauthorized ?? fallback,
    onDidLoadServices: registry.onDidLoadServices,
  };
}
