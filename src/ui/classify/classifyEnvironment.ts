import type * as vscode from 'vscode';
import type { Workspace } from '../../workspaces/workspace';
import type { WorkspaceRegistry } from '../workspaceRegistry';
import type { ClassifyEnvironment } from './classifyPanel';

/**
 * The Local workspace if its host is running, looked up on every run (a workspace object goes
 * stale when the host restarts). Classifying does not start the host by itself: when it is
 * down the panel says so and offers Start Local Host.
 */
export function localClassifyEnvironment(extensionUri: vscode.Uri, memento: vscode.Memento, registry: WorkspaceRegistry): ClassifyEnvironment {
  return { extensionUri, memento, workspace: () => registry.localHost.attach(), onDidLoadServices: registry.onDidLoadServices };
}

/** A workspace other than Local, as a tree node carries it. */
export function workspaceClassifyEnvironment(extensionUri: vscode.Uri, memento: vscode.Memento, registry: WorkspaceRegistry, workspace: Workspace): ClassifyEnvironment {
  return { extensionUri, memento, workspace: () => Promise.resolve(workspace), onDidLoadServices: registry.onDidLoadServices };
}
