import type { TokenCredential } from '@azure/core-auth';
import * as vscode from 'vscode';
import { parseWorkspaceId } from '../../workspaces/azure/armApi';
import { createAzureProvider } from '../../workspaces/azure/azureProvider';
import type { AzureProvider } from '../../workspaces/azure/azureProvider';
import { AZURE_PROVIDER_LABEL, azureWorkspaceProvider } from '../../workspaces/azure/azureWorkspaceProvider';
import type { CachedWorkspaceProvider } from '../../workspaces/azure/azureWorkspaceProvider';
import { createCliCredential } from '../../workspaces/azure/cliCredential';
import type { WorkspaceEntry, WorkspaceProvider } from '../../workspaces/registry';
import type { CallOptions, DeployOptions, Workspace } from '../../workspaces/workspace';
import { WorkspaceError } from '../../workspaces/workspaceError';
import { getLog } from '../log';
import type { SignInProviderUi } from '../tree/providerRootNode';
import type { Remedy } from '../workspaceRegistry';
import { VscodeAzureCredential } from './vscodeCredential';

const SIGNED_IN_KEY = 'fpga.azure.signedIn';
const ACCOUNT_KEY = 'fpga.azure.account';
const log = getLog('azure');

/** `vscode`: the Microsoft account of VS Code's Accounts menu; `azureIdentity`: a service principal, `az login` or a managed identity. */
type Authentication = 'vscode' | 'azureIdentity';

interface AzureSettings {
  authentication: Authentication;
  tenant: string | undefined;
  armEndpoint: string;
  authorityHost: string | undefined;
  image: string | undefined;
  instanceType: string;
}

function readSettings(): AzureSettings {
  const config = vscode.workspace.getConfiguration('fpga.azure');
  const text = (key: string): string | undefined => config.get<string>(key)?.trim() || undefined;
  return {
    authentication: config.get<Authentication>('authentication') ?? 'vscode',
    tenant: text('tenant'),
    armEndpoint: text('armEndpoint') ?? 'https://management.azure.com',
    authorityHost: text('authorityHost'),
    image: text('image'),
    instanceType: text('instanceType') ?? 'Standard_DS3_v2',
  };
}

/** The ARM scope of the configured cloud: tokens are asked for it and nothing else. */
function armScope(armEndpoint: string): string {
  return `${new URL(armEndpoint).origin}/.default`;
}

/**
 * Azure Machine Learning in the extension: the sign-in (VS Code's Microsoft account, or the
 * CLI's credential chain per a setting), the provider of the signed-in account's workspaces,
 * and what a deploy there needs (the container image).
 */
export class AzureProviderUi implements SignInProviderUi, vscode.Disposable {
  readonly provider: WorkspaceProvider;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly signInCommand: vscode.Command = { command: 'fpga.signInToAzure', title: vscode.l10n.t('Sign in to Azure…') };
  readonly unreachable: Remedy = {
    message: vscode.l10n.t('Azure Machine Learning did not answer: check your connection, then run again.'),
    actions: ['runAgain', 'switchService'],
  };
  readonly unauthorized: Remedy = {
    message: vscode.l10n.t('Azure refused the request: sign in again, or ask for a role on the workspace (AzureML Data Scientist).'),
    actions: ['signIn', 'runAgain'],
  };
  private connection: { azure: AzureProvider; workspaces: CachedWorkspaceProvider } | undefined;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly memento: vscode.Memento) {
    this.provider = {
      kind: 'azure',
      label: AZURE_PROVIDER_LABEL,
      ownsWorkspace: (id) => parseWorkspaceId(id) !== undefined,
      listWorkspaces: (options?: CallOptions): Promise<WorkspaceEntry[]> => {
        if (!this.signedIn) return Promise.reject(new WorkspaceError('unauthorized', vscode.l10n.t('Sign in to Azure to use your Azure Machine Learning workspaces.')));
        return this.connect().workspaces.listWorkspaces(options);
      },
    };
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration('fpga.azure')) return;
        this.connection = undefined;
        this.changed.fire();
      }),
      // Signing out in the Accounts menu ends our session too.
      vscode.authentication.onDidChangeSessions((event) => {
        if (event.provider.id !== 'microsoft' || readSettings().authentication !== 'vscode') return;
        this.connection = undefined;
        this.changed.fire();
      }),
    ];
  }

  get signedIn(): boolean {
    return this.memento.get<boolean>(SIGNED_IN_KEY) ?? false;
  }

  get account(): string | undefined {
    return this.signedIn ? this.memento.get<string>(ACCOUNT_KEY) : undefined;
  }

  /** Signs in (VS Code asks for the account, and the tenant when the setting names one) and checks the token works. */
  async signIn(): Promise<void> {
    const settings = readSettings();
    let account: string;
    if (settings.authentication === 'vscode') {
      const session = await new VscodeAzureCredential(settings.tenant, true).session([armScope(settings.armEndpoint)]);
      account = session.account.label;
    } else {
      await this.credential(settings).getToken(armScope(settings.armEndpoint));
      account = vscode.l10n.t('service principal / Azure CLI');
    }
    await this.memento.update(SIGNED_IN_KEY, true);
    await this.memento.update(ACCOUNT_KEY, account);
    this.connection = undefined;
    log.info(`signed in to Azure as ${account}`);
    this.changed.fire();
  }

  /** Stops using the account here; VS Code's Accounts menu still holds it (and signs it out for good). */
  async signOut(): Promise<void> {
    await this.memento.update(SIGNED_IN_KEY, false);
    await this.memento.update(ACCOUNT_KEY, undefined);
    this.connection = undefined;
    this.changed.fire();
  }

  /** The tenants the account can use, for Select Tenant. */
  async listTenants(): Promise<{ tenantId: string; name: string }[]> {
    return this.connect().azure.listTenants();
  }

  /** Forgets the cached listing (Refresh, after a deploy or delete). */
  forget(): void {
    this.connection?.workspaces.forget();
  }

  /** The image and instance type a deployment needs: the settings, else asked (and offered to be saved). */
  async deployOptions(_workspace: Workspace): Promise<DeployOptions> {
    const settings = readSettings();
    const image = settings.image ?? (await this.askImage());
    return { image, instanceType: settings.instanceType };
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }

  private async askImage(): Promise<string> {
    const image = await vscode.window.showInputBox({
      title: vscode.l10n.t('Container image of the inference server'),
      prompt: vscode.l10n.t('An image of "fpga serve --model" your workspace can pull (see README: Serving one model in a container), e.g. myregistry.azurecr.io/fpga-serve:0.2.0'),
      ignoreFocusOut: true,
      validateInput: (text) => (/^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?(:[\w.-]+|@sha256:[0-9a-f]{64})?$/i.test(text.trim()) ? undefined : vscode.l10n.t('Not an image reference: registry/name:tag')),
    });
    if (!image) throw new vscode.CancellationError();
    await vscode.workspace.getConfiguration('fpga.azure').update('image', image.trim(), vscode.ConfigurationTarget.Global);
    return image.trim();
  }

  private credential(settings: AzureSettings): TokenCredential {
    return settings.authentication === 'vscode'
      ? new VscodeAzureCredential(settings.tenant, false)
      : createCliCredential(settings.authorityHost ? { authorityHost: settings.authorityHost } : {});
  }

  private connect(): { azure: AzureProvider; workspaces: CachedWorkspaceProvider } {
    if (!this.connection) {
      const settings = readSettings();
      const azure = createAzureProvider({ credential: this.credential(settings), armEndpoint: settings.armEndpoint });
      this.connection = { azure, workspaces: azureWorkspaceProvider(azure) };
      log.info(`Azure Resource Manager: ${settings.armEndpoint} (${settings.authentication === 'vscode' ? 'VS Code account' : 'azure-identity credential'})`);
    }
    return this.connection;
  }
}
