import * as vscode from 'vscode';
import type { CommandContext } from './runCommand';

/** FPGA: Sign in to Azure — the Microsoft account of VS Code (or the configured credential); the tree then lists the workspaces. */
export async function signInToAzure(command: CommandContext): Promise<void> {
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Signing in to Azure…') }, () => command.azure.signIn());
  command.workspaces.refresh();
  await vscode.commands.executeCommand('fpga.workspaces.focus');
}

/** FPGA: Sign out of Azure — the extension stops using the account; the Accounts menu removes it from VS Code. */
export async function signOutOfAzure(command: CommandContext): Promise<void> {
  await command.azure.signOut();
  command.workspaces.refresh();
  void vscode.window.showInformationMessage(
    vscode.l10n.t('FPGA Model Services no longer uses your Azure account. To remove the account from VS Code too, sign out in the Accounts menu.'),
  );
}

/** FPGA: Select Azure Tenant… — which directory's subscriptions the tree lists; saved in the fpga.azure.tenant setting. */
export async function selectAzureTenant(command: CommandContext): Promise<void> {
  const tenants = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Listing your Azure tenants…') }, () =>
    command.azure.listTenants(),
  );
  const home = { label: vscode.l10n.t('Home tenant of the account'), description: '', tenantId: '' };
  const items = [home, ...tenants.map((tenant) => ({ label: tenant.name, description: tenant.tenantId, tenantId: tenant.tenantId }))];
  const choice = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Tenant whose subscriptions to list') });
  if (!choice) return;
  await vscode.workspace.getConfiguration('fpga.azure').update('tenant', choice.tenantId, vscode.ConfigurationTarget.Global);
  await command.azure.signIn();
  command.workspaces.refresh();
}
