/**
 * Failures of the state folder's file system (a full disk, a read-only mount, lost
 * permissions) are the machine's state, not a bug and not the caller's mistake: they are
 * answered with what happened to which folder and what to do, and logged without a stack.
 */
import { HttpError } from './httpError';

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

export function storageError(error: unknown, stateDir: string): HttpError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return undefined;
  if (NO_SPACE.has(code)) {
    return new HttpError(507, `the state folder ${stateDir} is out of space (${code}): nothing was changed; free space on its file system (or its quota) and retry`);
  }
  if (NOT_WRITABLE.has(code)) {
    const why = code === 'EROFS' ? 'its file system is read-only' : 'permission denied';
    return new HttpError(500, `cannot write to the state folder ${stateDir} (${code}: ${why}): nothing was changed; make it writable by the user running the host and retry`);
  }
  return undefined;
}
