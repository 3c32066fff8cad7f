/** The Local workspace as a provider of the registry, for a process that does not start hosts (the CLI). */
import type { WorkspaceProvider } from '../registry';
import { WorkspaceError } from '../workspaceError';
import { findHost } from './hostLauncher';
import { LOCAL_WORKSPACE_ID, LocalWorkspace } from './localWorkspace';

export function runningLocalProvider(stateDir: string): WorkspaceProvider {
  return {
    kind: 'local',
    label: 'Local (this machine)',
    ownsWorkspace: (id) => id === LOCAL_WORKSPACE_ID,
    async listWorkspaces() {
      const host = await findHost(stateDir);
      if (!host) throw new WorkspaceError('unavailable', `no local service host is running for ${stateDir}: "fpga deploy" starts one`);
      return [{ workspace: new LocalWorkspace(host, stateDir), description: host.url }];
    },
  };
}
