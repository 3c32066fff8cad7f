import { showLogOutput } from '../log';
import { ServiceNode } from '../tree/serviceNodes';
import type { CommandContext } from './runCommand';

/**
 * Opens the extension's log (the "FPGA Model Services" output channel); from a Local
 * service's node, the "FPGA Local Host" log, where the service's loading and errors are.
 */
export function showLog(command: CommandContext, node?: unknown): void {
  if (node instanceof ServiceNode && command.workspaces.isLocal(node.workspace)) command.workspaces.localHost.showLog();
  else showLogOutput();
}
