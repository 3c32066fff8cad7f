import * as vscode from 'vscode';
import { MODEL_STORE_SETTING, chosenModelStore, resolveModelStore } from '../runtime/modelStore';

function setting(): string | undefined {
  return vscode.workspace.getConfiguration().get<string>(MODEL_STORE_SETTING);
}

/** The model store this window's local host uses: $FPGA_MODEL_STORE, else the setting, else ~/.fpga/models. */
export function configuredModelStore(): string {
  return resolveModelStore(undefined, setting());
}

/** The store chosen through $FPGA_MODEL_STORE or the setting, or undefined when neither names one (the default applies). */
export function chosenModelStoreSetting(): string | undefined {
  return chosenModelStore(undefined, setting());
}
