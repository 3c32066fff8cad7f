/**
 * The one error type a workspace call fails with. Its kind says what a caller can do about
 * it (sign in again, pick another name, wait, fix the request); its message is the
 * platform's own text with the name of what was asked for, ready to show as it is.
 */
import { UserError } from '../common/errors';

export type WorkspaceErrorKind =
  /** Credentials are missing, expired or lack a role: sign in again or get the role. */
  | 'unauthorized'
  /** The workspace, model or service does not exist. */
  | 'not_found'
  /** The name is taken, or the resource is busy with another operation. */
  | 'conflict'
  /** Too many requests: retried already, try again later. */
  | 'throttled'
  /** The workspace cannot be reached, or answered with a server error. */
  | 'unavailable'
  /** The request was refused as invalid (validation, quota). */
  | 'bad_request'
  /** The caller cancelled. */
  | 'cancelled';

export class WorkspaceError extends UserError {
  override readonly name = 'WorkspaceError';

  constructor(
    readonly kind: WorkspaceErrorKind,
    message: string,
    /** The HTTP status behind it, when there was one. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export function isWorkspaceError(error: unknown, kind?: WorkspaceErrorKind): error is WorkspaceError {
  return error instanceof WorkspaceError && (kind === undefined || error.kind === kind);
}

/** The kind an HTTP status maps to; undefined for statuses that are not failures. */
export function errorKindOfStatus(status: number): WorkspaceErrorKind | undefined {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'unavailable';
  if (status >= 400) return 'bad_request';
  return undefined;
}
