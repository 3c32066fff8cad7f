import { showLogOutput } from '../log';

/** Opens the extension's log (the "FPGA Model Services" output channel). */
export function showLog(): void {
  showLogOutput();
}
