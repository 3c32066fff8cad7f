/** How CLI commands reach the Local workspace of a state folder (`--state DIR`). */
import type { Command } from 'commander';
import { UserError } from '../common/errors';
import { chosenModelStore } from '../runtime/modelStore';
import { defaultStateDir } from '../service/hostFile';
import type { HostFile } from '../service/hostFile';
import { findHost } from '../workspaces/local/hostLauncher';
import { LocalWorkspace } from '../workspaces/local/localWorkspace';

export interface StateOption {
  state: string;
}

export function withStateOption(command: Command): Command {
  return command.option('--state <dir>', 'state folder of the local service host (default: $FPGA_STATE_DIR or ~/.fpga/local-host, the one VS Code uses too)', defaultStateDir());
}

/** The workspace of a running host; commands that only read never start one. */
export async function runningWorkspace(stateDir: string): Promise<LocalWorkspace> {
  const host = await findHost(stateDir);
  if (!host) {
    throw new UserError(`no local service host is running for ${stateDir}: start one with "fpga serve --state ${stateDir}", or "fpga deploy" a model (it starts one)`);
  }
  return new LocalWorkspace(host, stateDir);
}

/**
 * When the caller chose a model store (`--model-store` or $FPGA_MODEL_STORE) and the running
 * host reads another, which store the host reads and how to make it read the chosen one: a
 * host keeps the store it started with, so setting the variable alone changes nothing.
 */
export function modelStoreMismatch(host: HostFile, stateDir: string, explicit?: string): string | undefined {
  const wanted = chosenModelStore(explicit);
  if (wanted === undefined || host.modelStore === '' || host.modelStore === wanted) return undefined;
  return `the running local service host (pid ${host.pid}) reads the model store ${host.modelStore}, not ${wanted}, and keeps it until it restarts: run "fpga stop --state ${stateDir}", then deploy again to use ${wanted}`;
}
