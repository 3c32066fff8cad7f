/**
 * Azure Resource Manager failures as WorkspaceErrors a person can act on: the kind from the
 * status, the platform's own `{"error":{"code","message"}}` text, and what to do next.
 * Credentials never appear in these messages: ARM does not echo tokens, and the sign-in
 * errors are reduced to their first line, which names the credential and the reason.
 */
import { isRestError } from '@azure/core-rest-pipeline';
import { WorkspaceError, errorKindOfStatus } from '../workspaceError';

export interface ArmErrorBody {
  code?: string;
  message?: string;
}

/** `{"error":{"code","message"}}`, ARM's error shape (also inside failed async operations). */
export function armErrorOf(body: unknown): ArmErrorBody | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as Record<string, unknown>;
  return { ...(typeof code === 'string' ? { code } : {}), ...(typeof message === 'string' ? { message } : {}) };
}

/** The error for an HTTP failure of a request about `what` ("endpoint e1 in workspace w"). */
export function armStatusError(status: number, body: unknown, what: string): WorkspaceError {
  const kind = errorKindOfStatus(status) ?? 'unavailable';
  const error = armErrorOf(body);
  const platform = error?.message ? `${error.message}${error.code ? ` (${error.code})` : ''}` : `HTTP ${status}`;
  switch (status) {
    case 401:
      return new WorkspaceError(kind, `Azure refused the sign-in for ${what}: ${platform}. Sign in again.`, status);
    case 403: {
      const action = /action '([^']+)'/.exec(error?.message ?? '')?.[1];
      const role = action ? `a role on the workspace that allows ${action}` : 'a role on the workspace that allows this (e.g. AzureML Data Scientist)';
      return new WorkspaceError(kind, `not allowed to use ${what}: ${platform}. Ask for ${role}, then sign in again.`, status);
    }
    case 404:
      return new WorkspaceError(kind, `${what} was not found: ${platform}`, status);
    case 429:
      return new WorkspaceError(kind, `Azure is throttling requests for ${what} and retries did not get through: ${platform}. Try again in a minute.`, status);
    default:
      return new WorkspaceError(kind, status >= 500 ? `Azure failed on ${what}: ${platform}. Try again later.` : `${what}: ${platform}`, status);
  }
}

/** The error for a request that got no HTTP answer: cancelled, timed out, refused, or no sign-in. */
export function armTransportError(error: unknown, what: string, endpoint: string, signal: AbortSignal | undefined): WorkspaceError {
  if (error instanceof WorkspaceError) return error;
  if (signal?.aborted) return new WorkspaceError('cancelled', `${what}: cancelled`);
  const credential = credentialFailure(error);
  if (credential) return new WorkspaceError('unauthorized', `cannot sign in to Azure for ${what}: ${credential}`);
  const name = error instanceof Error ? error.name : '';
  if (name === 'AbortError' || name === 'TimeoutError') return new WorkspaceError('unavailable', `${what}: Azure did not answer in time. Try again later.`);
  const code = isRestError(error) ? error.code : (error as { code?: unknown } | undefined)?.code;
  const reason = typeof code === 'string' ? code : error instanceof Error ? firstLine(error.message) : String(error);
  return new WorkspaceError('unavailable', `cannot reach Azure Resource Manager at ${endpoint} for ${what}: ${reason}`);
}

const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError', 'AuthenticationRequiredError']);

/**
 * @azure/identity's failures, told apart by name so that this module does not need the
 * identity package (the extension passes a credential of its own).
 */
function credentialFailure(error: unknown): string | undefined {
  if (!(error instanceof Error) || !CREDENTIAL_ERRORS.has(error.name)) return undefined;
  if (error.name === 'CredentialUnavailableError' || (error.name === 'AggregateAuthenticationError' && /unavailable/i.test(error.message) && !/AADSTS/.test(error.message))) {
    return 'no credentials found. Set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, run "az login", or use --device-code.';
  }
  // The authority's own description ("AADSTS7000215: Invalid client secret provided…") says most.
  const description = (error as { errorResponse?: { errorDescription?: unknown } }).errorResponse?.errorDescription;
  return `${firstLine(typeof description === 'string' && description ? description : error.message)}. Sign in again.`;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim().slice(0, 400).replace(/\.$/, '');
}
