import type * as vscode from 'vscode';

/**
 * What activate() returns: read-only seams for the integration tests that run inside a
 * real extension host (they see the tree exactly as the view does, without a screen).
 */
export interface FpgaExtensionApi {
  /** The Workspaces view's data provider. */
  readonly workspacesTree: vscode.TreeDataProvider<unknown>;
}
