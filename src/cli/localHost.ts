/** How CLI commands reach the Local workspace of a state folder (`--state DIR`). */
import type { Command } from 'commander';
import { UserError } from '../common/errors';
import { defaultStateDir } from '../workspaces/local/hostFile';
import { findHost } from '../workspaces/local/hostLauncher';
import { LocalWorkspace } from '../workspaces/local/localWorkspace';

export interface StateOption {
  state: string;
}

export function withStateOption(command: Command): Command {
  return command.option('--state <dir>', 'state folder of the local service host', defaultStateDir());
}

/** The workspace of a running host; commands that only read never start one. */
export async function runningWorkspace(stateDir: string): Promise<LocalWorkspace> {
  const host = await findHost(stateDir);
  if (!host) {
    throw new UserError(`no local service host is running for ${stateDir}: start one with "fpga serve --state ${stateDir}", or "fpga deploy" a model (it starts one)`);
  }
  return new LocalWorkspace(host);
}
