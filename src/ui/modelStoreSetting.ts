import * as vscode from 'vscode';
import { MODEL_STORE_SETTING, resolveModelStore } from '../runtime/modelStore';

/** The model store this window's local host uses: the setting, else $FPGA_MODEL_STORE, else ~/.fpga/models. */
export function configuredModelStore(): string {
  return resolveModelStore(undefined, vscode.workspace.getConfiguration().get<string>(MODEL_STORE_SETTING));
}
