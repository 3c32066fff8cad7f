import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import * as vscode from 'vscode';
import { WorkspaceError } from '../../workspaces/workspaceError';

/** VS Code's built-in Microsoft authentication provider. */
export const MICROSOFT_AUTH_PROVIDER = 'microsoft';
/** The scope prefix that asks the provider for a token of one tenant. */
const TENANT_SCOPE = 'VSCODE_TENANT:';
/** Tokens the provider gives are good for about an hour; refresh a little before, not on every call. */
const ASSUMED_LIFETIME_MS = 50 * 60 * 1000;

/**
 * An Azure SDK credential over the account the user signed in with in VS Code (Accounts
 * menu): each token comes from `vscode.authentication.getSession`, never from a prompt of
 * ours, and is never logged. `createIfNone` only when the user asked to sign in.
 */
export class VscodeAzureCredential implements TokenCredential {
  constructor(
    /** The tenant to sign in to; undefined: the account's home tenant. */
    private readonly tenant: string | undefined,
    /** Whether a missing session may open the sign-in flow (only from the Sign In command). */
    private readonly interactive: boolean,
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const session = await this.session([scopes].flat(), options?.tenantId);
    return { token: session.accessToken, expiresOnTimestamp: Date.now() + ASSUMED_LIFETIME_MS };
  }

  /** The session itself: who is signed in, for the tree. */
  async session(scopes: readonly string[], tenantId?: string): Promise<vscode.AuthenticationSession> {
    const tenant = tenantId ?? this.tenant;
    const all = tenant ? [...scopes, `${TENANT_SCOPE}${tenant}`] : [...scopes];
    const session = this.interactive
      ? await vscode.authentication.getSession(MICROSOFT_AUTH_PROVIDER, all, { createIfNone: true })
      : await vscode.authentication.getSession(MICROSOFT_AUTH_PROVIDER, all, { silent: true });
    if (!session) throw new WorkspaceError('unauthorized', vscode.l10n.t('You are not signed in to Azure: run FPGA: Sign in to Azure.'));
    return session;
  }
}
