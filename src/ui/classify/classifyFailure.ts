/**
 * Which kind of failure a classification met, so the panel can offer the one action likely
 * to help. No vscode here: plain-Node unit tests cover it.
 */
import type { FailureKind } from '../../../webview/protocol';
import { WorkspaceError } from '../../workspaces/workspaceError';

/**
 * What a workspace's error kind means for the panel: a rejected key or credentials, a
 * service gone or not Healthy (pick another), a request the service refuses with its own
 * reason (e.g. not a supported image), or a workspace that does not answer at all.
 */
export function failureKind(error: unknown): FailureKind {
  if (!(error instanceof WorkspaceError)) return 'failed';
  switch (error.kind) {
    case 'unauthorized':
      return 'unauthorized';
    case 'not_found':
      return 'unavailable';
    case 'bad_request':
    case 'conflict':
      return 'rejected';
    case 'unavailable':
      // No status: nothing answered. 503: the service is not Healthy. Other 5xx: it broke.
      if (error.status === undefined) return 'hostDown';
      return error.status === 503 ? 'unavailable' : 'failed';
    default:
      return 'failed';
  }
}
