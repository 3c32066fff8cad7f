import type { CommandContext } from './runCommand';

/** FPGA: Refresh — reloads the Workspaces tree (also the Retry of an error node). */
export function refresh(command: CommandContext): void {
  command.workspaces.refresh();
}
