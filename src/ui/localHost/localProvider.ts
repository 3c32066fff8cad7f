import * as vscode from 'vscode';
import type { WorkspaceEntry, WorkspaceProvider } from '../../workspaces/registry';
import { LOCAL_WORKSPACE_ID } from '../../workspaces/local/localWorkspace';
import type { ProviderUi, Remedy } from '../workspaceRegistry';
import type { LocalHost } from './localHost';

/**
 * The Local workspace as a provider: its one workspace is the service host on this machine.
 * Asking for it (to deploy, pick a service, classify) starts the host when it is not
 * running; only the tree holds back after a stop or a crash, and offers Start instead.
 */
export class LocalProviderUi implements ProviderUi {
  readonly provider: WorkspaceProvider;
  readonly onDidChange: vscode.Event<void>;
  readonly unreachable: Remedy = {
    message: vscode.l10n.t('The local service host is not running: start it to classify.'),
    actions: ['startLocalHost', 'showLog'],
  };
  readonly unauthorized: Remedy = {
    message: vscode.l10n.t('The service rejected its key: run again, or regenerate its keys if this persists.'),
    actions: ['runAgain', 'switchService'],
  };

  constructor(readonly host: LocalHost) {
    this.onDidChange = host.onDidChange;
    this.provider = {
      kind: 'local',
      label: vscode.l10n.t('Local (this machine)'),
      ownsWorkspace: (id) => id === LOCAL_WORKSPACE_ID,
      listWorkspaces: async (): Promise<WorkspaceEntry[]> => [{ workspace: await host.start() }],
    };
  }
}
