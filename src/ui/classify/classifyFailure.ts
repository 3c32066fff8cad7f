/**
 * Which kind of failure a classification met, so the panel can offer the one action likely
 * to help. No vscode here: plain-Node unit tests cover it.
 */
import type { FailureKind } from '../../../webview/protocol';
import { HostRequestError } from '../../workspaces/local/hostClient';

/** HostClient's words when nothing answers at the host's address (see hostClient.ts). */
const UNREACHABLE = /cannot reach the local service host|ECONNREFUSED|fetch failed/i;

/**
 * The service host's status codes (DESIGN.md, service protocol): 401 a rejected key, 404 a
 * service that no longer exists and 503 one that is not Healthy (both: pick another), other
 * 4xx a request the service refuses with its own reason (e.g. not a supported image).
 */
export function failureKind(error: unknown): FailureKind {
  if (error instanceof HostRequestError) {
    if (error.status === 401 || error.status === 403) return 'unauthorized';
    if (error.status === 404 || error.status === 503) return 'unavailable';
    if (error.status >= 400 && error.status < 500) return 'rejected';
    return 'failed';
  }
  if (error instanceof Error && (UNREACHABLE.test(error.message) || isConnectionRefused(error.cause))) return 'hostDown';
  return 'failed';
}

function isConnectionRefused(cause: unknown): boolean {
  return typeof cause === 'object' && cause !== null && (cause as { code?: unknown }).code === 'ECONNREFUSED';
}
